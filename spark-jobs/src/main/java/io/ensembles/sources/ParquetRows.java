package io.ensembles.sources;

import io.ensembles.data.DataFormatException;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.Path;
import org.apache.parquet.column.page.PageReadStore;
import org.apache.parquet.example.data.Group;
import org.apache.parquet.example.data.simple.convert.GroupRecordConverter;
import org.apache.parquet.hadoop.ParquetFileReader;
import org.apache.parquet.hadoop.util.HadoopInputFile;
import org.apache.parquet.io.ColumnIOFactory;
import org.apache.parquet.io.RecordReader;
import org.apache.parquet.schema.GroupType;
import org.apache.parquet.schema.MessageType;
import org.apache.parquet.schema.Type;
import org.apache.spark.ml.linalg.VectorUDT;
import org.apache.spark.ml.linalg.Vectors;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.catalyst.expressions.GenericRowWithSchema;
import org.apache.spark.sql.types.ArrayType;
import org.apache.spark.sql.types.BinaryType;
import org.apache.spark.sql.types.BooleanType;
import org.apache.spark.sql.types.ByteType;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DoubleType;
import org.apache.spark.sql.types.FloatType;
import org.apache.spark.sql.types.IntegerType;
import org.apache.spark.sql.types.LongType;
import org.apache.spark.sql.types.ShortType;
import org.apache.spark.sql.types.StringType;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;

/**
 * Reads one row group of a Parquet file as Spark {@link Row}s of the columns a {@link RowDecoder}
 * selects, without Spark SQL: a member task streams its training table with it, from any Hadoop
 * filesystem. Only the selected columns are read from the file. The rows have the shape Spark SQL
 * would give them (binary as byte[], structs as rows with their schema, arrays as Scala sequences,
 * ML Vectors as Vectors), so the decoder is the same whichever path a table takes.
 */
final class ParquetRows implements Iterator<Row>, AutoCloseable {
    private final ParquetFileReader reader;
    private final RecordReader<Group> records;
    private final StructType columns;
    private final long count;
    private long read;

    /** The first {@code take} rows of row group {@code rowGroup} of {@code file}, as {@code columns} (a selection of the table's). */
    ParquetRows(String file, int rowGroup, long take, StructType columns, Configuration conf) throws IOException {
        this.columns = columns;
        this.reader = ParquetFileReader.open(HadoopInputFile.fromPath(new Path(file), conf));
        try {
            MessageType schema = reader.getFooter().getFileMetaData().getSchema();
            List<Type> fields = new ArrayList<>();
            for (StructField f : columns.fields()) {
                if (!schema.containsField(f.name())) {
                    throw new DataFormatException(file, "has no column '" + f.name() + "' in its Parquet schema");
                }
                fields.add(schema.getType(f.name()));
            }
            MessageType requested = new MessageType(schema.getName(), fields);
            reader.setRequestedSchema(requested);
            PageReadStore pages = reader.readRowGroup(rowGroup);
            this.count = Math.min(take, pages.getRowCount());
            this.records = new ColumnIOFactory().getColumnIO(requested, schema)
                    .getRecordReader(pages, new GroupRecordConverter(requested));
        } catch (IOException | RuntimeException e) {
            reader.close();
            throw e;
        }
    }

    /** Each row group's row count, in file order: the footer only. */
    static long[] rowGroups(String file, Configuration conf) throws IOException {
        try (ParquetFileReader r = ParquetFileReader.open(HadoopInputFile.fromPath(new Path(file), conf))) {
            return r.getRowGroups().stream().mapToLong(b -> b.getRowCount()).toArray();
        }
    }

    @Override
    public boolean hasNext() {
        return read < count;
    }

    @Override
    public Row next() {
        if (!hasNext()) throw new NoSuchElementException();
        read++;
        return row(records.read(), columns);
    }

    @Override
    public void close() {
        try {
            reader.close();
        } catch (IOException ignored) {
            // a reader opened for reading only: nothing is lost
        }
    }

    private static Row row(Group g, StructType schema) {
        StructField[] fs = schema.fields();
        Object[] values = new Object[fs.length];
        for (int i = 0; i < fs.length; i++) values[i] = value(g, fs[i].name(), fs[i].dataType());
        return new GenericRowWithSchema(values, schema);
    }

    private static Object value(Group g, String field, DataType t) {
        int at = g.getType().getFieldIndex(field);
        return g.getFieldRepetitionCount(at) == 0 ? null : element(g, at, 0, t);
    }

    /** Value {@code i} of field {@code at} of {@code g}, as Spark SQL represents a {@code t}. */
    private static Object element(Group g, int at, int i, DataType t) {
        if (t instanceof BinaryType) return g.getBinary(at, i).getBytes();
        if (t instanceof StringType) return g.getString(at, i);
        if (t instanceof IntegerType) return g.getInteger(at, i);
        if (t instanceof ShortType) return (short) g.getInteger(at, i);
        if (t instanceof ByteType) return (byte) g.getInteger(at, i);
        if (t instanceof LongType) return g.getLong(at, i);
        if (t instanceof FloatType) return g.getFloat(at, i);
        if (t instanceof DoubleType) return g.getDouble(at, i);
        if (t instanceof BooleanType) return g.getBoolean(at, i);
        if (t instanceof VectorUDT) {
            // Spark ML writes a Vector as struct<type: byte, size: int, indices: array<int>, values: array<double>>
            Group v = g.getGroup(at, i);
            List<Object> values = list(v, "values", org.apache.spark.sql.types.DataTypes.DoubleType);
            double[] d = values.stream().mapToDouble(o -> (Double) o).toArray();
            if (v.getInteger("type", 0) == 1) return Vectors.dense(d);
            int[] idx = list(v, "indices", org.apache.spark.sql.types.DataTypes.IntegerType).stream()
                    .mapToInt(o -> (Integer) o).toArray();
            return Vectors.sparse(v.getInteger("size", 0), idx, d);
        }
        if (t instanceof StructType st) return row(g.getGroup(at, i), st);
        if (t instanceof ArrayType a) {
            return scala.collection.JavaConverters.asScalaBuffer(list(g.getGroup(at, i), a.elementType())).toList();
        }
        throw new DataFormatException(g.getType().getFieldName(at), "is of type " + t.simpleString()
                + ", which a streamed table cannot hold (binary, string, numbers, structs, arrays and ML Vectors)");
    }

    /** The elements of field {@code field} of {@code g}, a Parquet LIST. */
    private static List<Object> list(Group g, String field, DataType element) {
        int at = g.getType().getFieldIndex(field);
        return g.getFieldRepetitionCount(at) == 0 ? List.of() : list(g.getGroup(at, 0), element);
    }

    /**
     * The elements of a LIST group: three levels ({@code repeated group list { element }}, as Spark
     * and Arrow write), or two (a repeated field of the elements themselves).
     */
    private static List<Object> list(Group list, DataType element) {
        GroupType lt = list.getType();
        int n = list.getFieldRepetitionCount(0);
        List<Object> out = new ArrayList<>(n);
        Type repeated = lt.getType(0);
        boolean threeLevel = !repeated.isPrimitive() && repeated.asGroupType().getFieldCount() == 1
                && !(element instanceof StructType);
        for (int i = 0; i < n; i++) {
            if (threeLevel) {
                Group item = list.getGroup(0, i);
                out.add(item.getFieldRepetitionCount(0) == 0 ? null : element(item, 0, 0, element));
            } else {
                out.add(element(list, 0, i, element));
            }
        }
        return out;
    }
}

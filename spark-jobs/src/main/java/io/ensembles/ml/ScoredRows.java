package io.ensembles.ml;

import io.ensembles.data.DataFormatException;
import io.ensembles.data.ExampleSet;
import io.ensembles.data.InputShape;
import io.ensembles.ensemble.RowScores;
import io.ensembles.jobs.EnsemblePredictor;
import io.ensembles.sources.RowDecoder;
import java.io.IOException;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;

/**
 * The executor side of {@link EnsembleModel#transform}: a partition's rows decoded in batches,
 * predicted by every member, and turned into output rows (the kept columns, then the scores).
 */
final class ScoredRows implements Serializable {
    private final EnsemblePredictor predictor;
    private final RowDecoder decoder;
    private final int[] inputIdx;
    private final int[] keptIdx;
    private final InputShape shape;
    private final List<String> names;
    private final double temperature;
    private final Double threshold;
    private final boolean members;
    private final int batch;

    ScoredRows(EnsemblePredictor predictor, RowDecoder decoder, int[] inputIdx, int[] keptIdx, InputShape shape,
               List<String> names, double temperature, Double threshold, boolean members, int batch) {
        this.predictor = predictor;
        this.decoder = decoder;
        this.inputIdx = inputIdx;
        this.keptIdx = keptIdx;
        this.shape = shape;
        this.names = names;
        this.temperature = temperature;
        this.threshold = threshold;
        this.members = members;
        this.batch = batch;
    }

    /** Partition {@code part}'s output rows. */
    Iterator<Row> score(int part, Iterator<Row> it) throws IOException {
        List<String> ids = predictor.ids();
        String src = decoder.source();
        List<Row> out = new ArrayList<>();
        List<Row> pending = new ArrayList<>();
        long seen = 0;
        while (it.hasNext()) {
            pending.add(it.next());
            if (pending.size() == batch || !it.hasNext()) {
                ExampleSet x = decode(pending, inputIdx, decoder, shape, names, src, part, seen);
                float[][] probs = predictor.predict(x, ((long) part << 32) + seen);
                for (int i = 0; i < pending.size(); i++) {
                    out.add(row(pending.get(i), keptIdx, RowScores.of(probs, i, names.size(), temperature), names,
                            threshold, members ? memberMap(ids, probs, i, names.size()) : null));
                }
                seen += pending.size();
                pending.clear();
            }
        }
        return out.iterator();
    }

    /** One batch of input rows as examples of the ensemble's shape; a bad row fails with its position. */
    static ExampleSet decode(List<Row> rows, int[] inputIdx, RowDecoder decoder, InputShape shape,
                                     List<String> names, String src, int part, long seen) {
        int f = shape.size();
        byte[] bytes = decoder.images() ? new byte[rows.size() * f] : null;
        float[] floats = decoder.images() ? null : new float[rows.size() * f];
        for (int i = 0; i < rows.size(); i++) {
            Row r = rows.get(i);
            Object[] sel = new Object[inputIdx.length];
            for (int j = 0; j < sel.length; j++) sel[j] = r.get(inputIdx[j]);
            RowDecoder.Example e = decoder.decode(RowFactory.create(sel));
            // the row's place is spelt out only for a message: this runs once per scored row
            if (e.error() != null) throw new DataFormatException(src, at(part, seen + i, e) + e.error());
            InputShape got = decoder.shapeOf(e);
            if (!got.equals(shape)) {
                throw new DataFormatException(src, at(part, seen + i, e) + "has an example of " + got
                        + " but the models expect " + shape);
            }
            if (bytes != null) System.arraycopy(e.bytes(), 0, bytes, i * f, f);
            else System.arraycopy(e.floats(), 0, floats, i * f, f);
        }
        int[] none = new int[rows.size()];
        return bytes != null ? ExampleSet.ofBytes(shape, bytes, none, names, src)
                : ExampleSet.ofFloats(shape, floats, none, names, src);
    }

    /** "partition 3, row 17 (its path): ", how a message names a scored row. */
    private static String at(int part, long row, RowDecoder.Example e) {
        return "partition " + part + ", row " + row + (e.where() != null ? " (" + e.where() + ")" : "") + ": ";
    }

    private static Row row(Row in, int[] keptIdx, RowScores s, List<String> names, Double threshold,
                           Map<String, double[]> members) {
        Object[] v = new Object[keptIdx.length + EnsembleModel.OUTPUTS.size() + (members != null ? 1 : 0)];
        int j = 0;
        for (int k : keptIdx) v[j++] = in.get(k);
        v[j++] = s.probability();
        v[j++] = (double) s.prediction();
        v[j++] = names.get(s.prediction());
        v[j++] = s.confidence();
        v[j++] = s.entropy();
        v[j++] = s.mutualInformation();
        v[j++] = s.disagreement();
        v[j++] = s.oodScore();
        v[j++] = threshold == null ? null : s.oodScore() > threshold;
        if (members != null) v[j] = scala.collection.JavaConverters.mapAsScalaMap(members); // the row encoder wants a Scala map
        return RowFactory.create(v);
    }

    private static Map<String, double[]> memberMap(List<String> ids, float[][] probs, int i, int classes) {
        Map<String, double[]> m = new LinkedHashMap<>();
        for (int s = 0; s < ids.size(); s++) {
            double[] p = new double[classes];
            for (int k = 0; k < classes; k++) p[k] = probs[s][i * classes + k];
            m.put(ids.get(s), p);
        }
        return m;
    }
}

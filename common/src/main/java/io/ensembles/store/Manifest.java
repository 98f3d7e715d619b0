package io.ensembles.store;

import com.fasterxml.jackson.annotation.JsonIgnore;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.ensembles.data.InputShape;
import io.ensembles.data.Normalisation;
import java.io.IOException;
import java.util.List;
import java.util.Map;
import io.ensembles.fs.Fs;

/**
 * {@code manifest.json}: what an ensemble is and how it was made. Members, the input the models
 * take (source, columns, shape, class names and the normalisation every later use must repeat),
 * the whole resolved configuration, the code version, and the scoring settings the last
 * evaluation fitted ({@link Scoring}).
 *
 * <p>Format 2 (this code) has the {@code input} section. Format 1 (before 2026-12) had top-level
 * {@code classes}, {@code rows}, {@code cols} and a scalar {@code normalisation} of grey IDX
 * images; it is read as the format-2 input it describes.
 */
public record Manifest(
        int formatVersion, String name, String method, String createdAt,
        Map<String, String> codeVersion,
        Input input,
        Map<String, Object> data, Map<String, Object> run,
        List<MemberRecord> members, JsonNode config, Scoring scoring) {

    public static final int FORMAT_VERSION = 2;

    /**
     * What the models read: the training source's {@code format} and {@code path}, the columns it
     * was read from ({@code label}, {@code image}, {@code features}: absent when not used), the
     * example shape, the class names (index = class) and the normalisation.
     */
    public record Input(String format, String path, Map<String, Object> columns, InputShape shape,
                        List<String> classNames, Normalisation normalisation) {}

    /**
     * Fitted by an evaluation on held-out in-distribution data (the test set): the ensemble's
     * temperature (one T for the mean probabilities, by NLL) and the OOD threshold on
     * {@code oodScore} that keeps {@code oodTpr} of in-distribution rows below it.
     */
    public record Scoring(double temperature, String oodScore, double oodThreshold, double oodTpr, String fittedOn,
                          int members, String fittedAt) {}

    public Manifest {
        if (input == null) throw new IllegalArgumentException("a manifest needs its input section");
    }

    @JsonIgnore
    public int classes() { return input.classNames().size(); }

    @JsonIgnore
    public InputShape shape() { return input.shape(); }

    @JsonIgnore
    public Normalisation normalisation() { return input.normalisation(); }

    @JsonIgnore
    public List<MemberRecord> completedMembers() {
        return members.stream().filter(MemberRecord::completed).toList();
    }

    /**
     * The configuration the ensemble was trained with, validated, with {@code overrides} (configuration
     * keys) over it: every job that re-reads a stored ensemble's settings reads them here.
     */
    public io.ensembles.config.EnsembleConfig configuration(Map<String, Object> overrides) {
        return io.ensembles.config.EnsembleConfig.from(
                com.typesafe.config.ConfigFactory.parseString(config.toString()), overrides);
    }

    /** The same manifest with the scoring settings of an evaluation. */
    public Manifest withScoring(Scoring s) {
        return new Manifest(formatVersion, name, method, createdAt, codeVersion, input, data, run, members, config, s);
    }

    public static Manifest read(EnsembleLayout layout) {
        String uri = layout.manifest();
        if (!Fs.isFile(uri)) {
            throw new IntegrityException(uri + ": no manifest here (is this an ensemble folder written by 'train'?)");
        }
        Manifest m;
        try {
            JsonNode tree = Json.MAPPER.readTree(Fs.readString(uri));
            if (!(tree instanceof ObjectNode o)) throw new IOException("not a JSON object");
            int version = o.path("formatVersion").asInt(-1);
            if (version != 1 && version != FORMAT_VERSION) {
                throw new IntegrityException(uri + ": manifest format " + version + " is not supported (expected 1 or "
                        + FORMAT_VERSION + ")");
            }
            if (version == 1) upgradeFormat1(o);
            m = Json.MAPPER.treeToValue(o, Manifest.class);
        } catch (IOException | IllegalArgumentException e) {
            throw new IntegrityException(uri + ": not a valid manifest: "
                    + String.valueOf(e.getMessage()).lines().findFirst().orElse(""));
        }
        if (m.members() == null) throw new IntegrityException(uri + ": not a valid manifest: no members");
        for (MemberRecord r : m.members()) {
            if (r.completed()) layout.resolve(r.path());
        }
        return m;
    }

    /** Format 1's grey IDX input ({@code classes}, {@code rows}, {@code cols}, scalar normalisation) as a format-2 input section. */
    private static void upgradeFormat1(ObjectNode o) {
        ObjectNode in = o.putObject("input");
        in.put("format", "idx");
        in.put("path", o.path("data").path("trainImages").asText(null));
        in.putObject("columns");
        ObjectNode shape = in.putObject("shape");
        shape.put("kind", InputShape.IMAGE);
        shape.put("channels", 1);
        shape.put("height", o.path("rows").asInt());
        shape.put("width", o.path("cols").asInt());
        ArrayNode names = in.putArray("classNames");
        for (int k = 0; k < o.path("classes").asInt(); k++) names.add(Integer.toString(k));
        in.set("normalisation", o.path("normalisation"));
        o.remove(List.of("rows", "cols", "classes", "normalisation"));
    }

    public void write(EnsembleLayout layout) throws IOException {
        Fs.writeString(layout.manifest(), Json.write(this), true);
    }
}

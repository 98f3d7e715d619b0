package io.ensembles.store;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.util.ModelSerializer;

/** A network to and from DL4J's model zip, in memory, so the bytes can be hashed and written atomically. */
public final class ModelIO {
    private ModelIO() {}

    public static byte[] toBytes(ComputationGraph net, boolean withUpdater) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream(1 << 20);
        ModelSerializer.writeModel(net, out, withUpdater);
        return out.toByteArray();
    }

    public static ComputationGraph fromBytes(byte[] bytes, boolean withUpdater) throws IOException {
        return ModelSerializer.restoreComputationGraph(new ByteArrayInputStream(bytes), withUpdater);
    }
}

package io.ensembles.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.ObjectInputStream;
import java.io.ObjectOutputStream;
import java.io.Serializable;
import java.util.zip.ZipEntry;
import java.util.zip.ZipInputStream;
import java.util.zip.ZipOutputStream;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.junit.jupiter.api.Test;

class ModelIOTest {
    /** Records whether Java deserialization ever reached it. */
    static final class Canary implements Serializable {
        static volatile boolean deserialized;

        private void readObject(ObjectInputStream in) throws IOException, ClassNotFoundException {
            in.defaultReadObject();
            deserialized = true;
        }
    }

    @Test
    void aModelRoundTripsWithAndWithoutItsUpdater() throws IOException {
        ComputationGraph n = StoreFixtures.net(7);
        for (boolean updater : new boolean[] {false, true}) {
            ComputationGraph back = ModelIO.fromBytes(ModelIO.toBytes(n, updater), updater, "test");
            assertEquals(n.params(), back.params());
            assertEquals(n.getConfiguration().toJson(), back.getConfiguration().toJson());
        }
    }

    @Test
    void theBytesDependOnlyOnTheNetwork() throws IOException {
        for (boolean updater : new boolean[] {false, true}) {
            byte[] a = ModelIO.toBytes(StoreFixtures.net(7), updater);
            // DL4J stamps every entry with the time of writing; ours carry one fixed local date-time
            try (ZipInputStream in = new ZipInputStream(new ByteArrayInputStream(a))) {
                int entries = 0;
                for (ZipEntry e; (e = in.getNextEntry()) != null; entries++) {
                    assertEquals(ModelIO.ENTRY_TIME, e.getTimeLocal(), e.getName());
                }
                assertEquals(updater ? 3 : 2, entries);
            }
            // another network built the same way, written later and under another time zone: the same file
            java.util.TimeZone zone = java.util.TimeZone.getDefault();
            try {
                java.util.TimeZone.setDefault(java.util.TimeZone.getTimeZone("Pacific/Kiritimati"));
                byte[] b = ModelIO.toBytes(StoreFixtures.net(7), updater);
                assertTrue(java.util.Arrays.equals(a, b), "same network, same bytes (updater " + updater + ")");
            } finally {
                java.util.TimeZone.setDefault(zone);
            }
            assertFalse(java.util.Arrays.equals(a, ModelIO.toBytes(StoreFixtures.net(8), updater)), "other weights, other bytes");
        }
    }

    @Test
    void aZipWithAnEntryDl4jWouldDeserializeIsRefusedBeforeDeserialization() throws IOException {
        byte[] good = ModelIO.toBytes(StoreFixtures.net(7), false);
        ByteArrayOutputStream tampered = new ByteArrayOutputStream();
        try (ZipInputStream in = new ZipInputStream(new ByteArrayInputStream(good));
             ZipOutputStream out = new ZipOutputStream(tampered)) {
            for (ZipEntry e; (e = in.getNextEntry()) != null; ) {
                out.putNextEntry(new ZipEntry(e.getName()));
                in.transferTo(out);
                out.closeEntry();
            }
            out.putNextEntry(new ZipEntry("preprocessor.bin"));
            ByteArrayOutputStream obj = new ByteArrayOutputStream();
            try (ObjectOutputStream oos = new ObjectOutputStream(obj)) {
                oos.writeObject(new Canary());
            }
            out.write(obj.toByteArray());
            out.closeEntry();
        }
        Canary.deserialized = false;
        IntegrityException e = assertThrows(IntegrityException.class,
                () -> ModelIO.fromBytes(tampered.toByteArray(), false, "file:/ens/members/m000/model.zip"));
        assertTrue(e.getMessage().startsWith("file:/ens/members/m000/model.zip: unexpected entry 'preprocessor.bin'"),
                e.getMessage());
        assertFalse(Canary.deserialized, "nothing was deserialized");
    }

    @Test
    void bytesThatAreNoModelZipAreRefused() {
        IntegrityException e = assertThrows(IntegrityException.class,
                () -> ModelIO.fromBytes("not a zip".getBytes(), false, "file:/x/model.zip"));
        assertEquals("file:/x/model.zip: not a DL4J model zip (no configuration.json)", e.getMessage());
    }
}

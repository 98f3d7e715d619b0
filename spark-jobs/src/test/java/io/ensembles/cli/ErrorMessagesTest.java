package io.ensembles.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import org.apache.spark.SparkException;
import org.junit.jupiter.api.Test;

class ErrorMessagesTest {
    @Test
    void keepsTheProjectsOwnMessageOfAFailedTask() {
        SparkException e = new SparkException("Job aborted due to stage failure: Task 1 in stage 2.0 failed 4 times, "
                + "most recent failure: Lost task 1.3 in stage 2.0 (TID 9) (127.0.0.1 executor 0): "
                + "io.ensembles.store.IntegrityException: member m001: model file x has SHA-256 a but the manifest records b\n"
                + "\tat io.ensembles.store.VerifiedModels.loadVerified(MemberStore.java:1)\n");
        assertEquals("member m001: model file x has SHA-256 a but the manifest records b",
                ErrorMessages.taskFailure(new RuntimeException("wrapped", e)));
    }

    @Test
    void namesForeignExceptionsByType() {
        SparkException e = new SparkException("... most recent failure: Lost task 0.0 in stage 0.0 (TID 0) "
                + "(vm executor driver): java.lang.OutOfMemoryError: Java heap space\n\tat x");
        assertEquals("a Spark task failed: java.lang.OutOfMemoryError: Java heap space", ErrorMessages.taskFailure(e));
        assertNull(ErrorMessages.taskFailure(new IllegalStateException("not spark")));
    }
}

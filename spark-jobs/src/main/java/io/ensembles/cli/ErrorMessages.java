package io.ensembles.cli;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Turns a failed Spark job into the one line that matters. A task's exception reaches the driver
 * only as text inside a SparkException ("... most recent failure: Lost task ...: Type: message"),
 * and the project's own errors are already written to be read, so their message is kept as is.
 */
final class ErrorMessages {
    private static final Pattern LOST_TASK = Pattern.compile(
            "most recent failure: Lost task [^:]*\\):\\s*([\\w.$]+)(?::\\s*([^\\n]*))?");
    private static final Pattern OWN = Pattern.compile("io\\.ensembles\\.[\\w.$]+");

    private ErrorMessages() {}

    /** The failing task's exception as one line, or null when {@code e} is not a failed Spark job. */
    static String taskFailure(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (!t.getClass().getName().equals("org.apache.spark.SparkException") || t.getMessage() == null) continue;
            Matcher m = LOST_TASK.matcher(t.getMessage());
            if (!m.find()) continue;
            String type = m.group(1);
            String message = m.group(2) == null ? "" : m.group(2).trim();
            if (OWN.matcher(type).matches() && !message.isEmpty()) return message;
            return "a Spark task failed: " + type + (message.isEmpty() ? "" : ": " + message);
        }
        return null;
    }
}

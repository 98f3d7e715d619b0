package io.ensembles.data;

/** A data file that cannot be used; the message is one line naming the file and the problem. */
public class DataFormatException extends RuntimeException {
    public DataFormatException(String file, String problem) {
        super(file + ": " + problem);
    }

    public DataFormatException(String file, String problem, Throwable cause) {
        super(file + ": " + problem, cause);
    }
}

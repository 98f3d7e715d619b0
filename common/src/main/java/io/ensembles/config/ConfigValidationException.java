package io.ensembles.config;

/** A configuration or option value that is not allowed; the message names key, value and what is allowed. */
public class ConfigValidationException extends RuntimeException {
    public ConfigValidationException(String message) {
        super(message);
    }
}

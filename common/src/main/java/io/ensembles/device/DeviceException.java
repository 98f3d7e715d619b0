package io.ensembles.device;

/** A task cannot get the device the configuration asks for; the message says why and what to set. */
public final class DeviceException extends RuntimeException {
    public DeviceException(String message) {
        super(message);
    }
}

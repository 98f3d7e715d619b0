package io.ensembles.config;

import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/** The network families a member can have. */
public enum Architecture {
    MLP, CNN, RESNET;

    public String id() {
        return name().toLowerCase(Locale.ROOT);
    }

    public static Architecture byName(String name) {
        for (Architecture a : values()) if (a.id().equals(name)) return a;
        return null;
    }

    public static List<String> names() {
        return Arrays.stream(values()).map(Architecture::id).toList();
    }
}

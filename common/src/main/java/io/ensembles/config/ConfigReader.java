package io.ensembles.config;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigException;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigRenderOptions;
import com.typesafe.config.ConfigValue;
import com.typesafe.config.ConfigValueFactory;
import java.util.List;
import java.util.Set;

/** Typed reads that turn every wrong type or range into a message naming key, value and what is allowed. */
record ConfigReader(Config c) {
    String raw(String key) {
        return c.getValue(key).render(ConfigRenderOptions.concise());
    }

    void fail(String key, String value, String allowed) {
        throw new ConfigValidationException("invalid value for " + key + ": " + value + " (expected " + allowed + ")");
    }

    String string(String key) {
        return get(key, () -> c.getString(key), "a string");
    }

    String nonBlank(String key) {
        String v = get(key, () -> c.getString(key), "a string");
        if (v.isBlank()) fail(key, "\"\"", "a non-empty string");
        return v;
    }

    String oneOf(String key, Set<String> allowed) {
        String v = get(key, () -> c.getString(key), "one of " + allowed);
        if (!allowed.contains(v)) fail(key, "\"" + v + "\"", "one of " + new java.util.TreeSet<>(allowed));
        return v;
    }

    boolean bool(String key) {
        return get(key, () -> c.getBoolean(key), "true or false");
    }

    long longAny(String key) {
        return get(key, () -> c.getLong(key), "a whole number");
    }

    /** A whole number in [min, max]; max is a sanity bound, named as such in the error. */
    int intIn(String key, int min, int max) {
        int v = intAtLeast(key, min);
        if (v > max) {
            fail(key, raw(key), "a whole number from " + min + " to " + max + "; larger can only be a mistake "
                    + "(the maximum is documented in ensembles-defaults.conf)");
        }
        return v;
    }

    int intAtLeast(String key, int min) {
        int v = get(key, () -> c.getInt(key), "a whole number >= " + min);
        if (v < min) fail(key, raw(key), "a whole number >= " + min);
        return v;
    }

    double doubleIn(String key, double lo, boolean loIncl, double hi, boolean hiIncl) {
        String allowed = "a number " + (loIncl ? ">= " : "> ") + lo
                + (hi == Double.MAX_VALUE ? "" : " and " + (hiIncl ? "<= " : "< ") + hi);
        double v = get(key, () -> c.getDouble(key), allowed);
        boolean ok = !Double.isNaN(v) && (loIncl ? v >= lo : v > lo) && (hiIncl ? v <= hi : v < hi);
        if (!ok) fail(key, raw(key), allowed);
        return v;
    }

    List<String> stringList(String key) {
        return get(key, () -> c.getStringList(key), "a list of strings");
    }

    List<Integer> positiveInts(String key, int max) {
        List<Integer> v = get(key, () -> c.getIntList(key), "a non-empty list of whole numbers >= 1");
        if (v.isEmpty() || v.stream().anyMatch(x -> x < 1)) fail(key, raw(key), "a non-empty list of whole numbers >= 1");
        if (v.stream().anyMatch(x -> x > max)) {
            fail(key, raw(key), "a list of whole numbers from 1 to " + max + "; larger can only be a mistake "
                    + "(the maximum is documented in ensembles-defaults.conf)");
        }
        return List.copyOf(v);
    }

    <T> T get(String key, java.util.function.Supplier<T> read, String allowed) {
        try {
            return read.get();
        } catch (ConfigException.WrongType | ConfigException.BadValue e) {
            fail(key, raw(key), allowed);
            return null; // unreachable
        }
    }

    /** Command-line text is read as a HOCON value (numbers, lists, booleans), else kept as a string. */
    static ConfigValue overrideValue(Object v) {
        if (v instanceof String text) {
            try {
                return ConfigFactory.parseString("v = " + text).getValue("v");
            } catch (ConfigException e) {
                return ConfigValueFactory.fromAnyRef(text);
            }
        }
        return ConfigValueFactory.fromAnyRef(v);
    }
}

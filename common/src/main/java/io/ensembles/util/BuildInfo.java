package io.ensembles.util;

import java.io.IOException;
import java.io.InputStream;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Properties;

/** The code version that made an artifact: the git commit recorded at build time, and the project version. */
public final class BuildInfo {
    private BuildInfo() {}

    public static Map<String, String> codeVersion() {
        Map<String, String> v = new LinkedHashMap<>();
        Properties p = new Properties();
        try (InputStream in = BuildInfo.class.getClassLoader().getResourceAsStream("ensembles-git.properties")) {
            if (in != null) p.load(in);
        } catch (IOException ignored) {
            // an unknown version is recorded as such
        }
        v.put("version", p.getProperty("git.build.version", "unknown"));
        v.put("commit", p.getProperty("git.commit.id.abbrev", "unknown"));
        v.put("describe", p.getProperty("git.commit.id.describe", "unknown"));
        v.put("dirty", p.getProperty("git.dirty", "unknown"));
        return v;
    }
}

package io.ensembles;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The layout rules of docs/development.md, checked on the main sources of every module: no cycle
 * between the project's packages (read from imports and fully qualified names, so a cycle cannot
 * hide behind a wildcard or an inline name), no class over 300 lines and no method over 60.
 */
class CodeLayoutTest {
    private static final Path ROOT = Path.of("..").toAbsolutePath().normalize();
    private static final Pattern PACKAGE = Pattern.compile("(?m)^package (io\\.ensembles[\\w.]*);");
    private static final Pattern REFERENCE = Pattern.compile("\\b(io\\.ensembles(?:\\.[a-z]\\w*)+)\\.[A-Z]");
    private static final int MAX_CLASS_LINES = 300;
    private static final int MAX_METHOD_LINES = 60;
    /** A method or constructor header ending in its opening brace (annotations and throws allowed). */
    private static final Pattern METHOD = Pattern.compile(
            "^\\s*(?:(?:public|private|protected|static|final|synchronized|abstract|default)\\s+)*"
                    + "(?:<[^>]+>\\s+)?(?:[\\w.<>\\[\\], ?]+\\s+)?\\w+\\s*\\([^;{]*\\)\\s*(?:throws [\\w., ]+)?\\{\\s*$");
    private static final Pattern RECORD = Pattern.compile("\\brecord\\s+\\w+\\s*[(<]");
    private static final Set<String> NOT_METHODS = Set.of("if", "for", "while", "switch", "catch", "try", "synchronized",
            "return", "new", "else");

    private static List<Path> sources() throws IOException {
        List<Path> files = new ArrayList<>();
        for (String module : List.of("common", "spark-jobs", "bench")) {
            Path dir = ROOT.resolve(module).resolve("src/main/java/io/ensembles");
            if (!Files.isDirectory(dir)) continue;
            try (Stream<Path> s = Files.walk(dir)) {
                s.filter(p -> p.toString().endsWith(".java")).sorted().forEach(files::add);
            }
        }
        return files;
    }

    /**
     * The code with comments and literals (strings, text blocks, characters) blanked out, line breaks
     * kept: neither a brace nor a name inside one counts.
     */
    static String code(String text) {
        StringBuilder out = new StringBuilder(text.length());
        int i = 0;
        int n = text.length();
        while (i < n) {
            int end;
            if (text.startsWith("//", i)) {
                end = text.indexOf('\n', i);
                if (end < 0) end = n;
            } else if (text.startsWith("/*", i)) {
                end = text.indexOf("*/", i + 2);
                end = end < 0 ? n : end + 2;
            } else if (text.startsWith("\"\"\"", i)) {
                end = text.indexOf("\"\"\"", i + 3);
                end = end < 0 ? n : end + 3;
            } else if (text.charAt(i) == '"' || text.charAt(i) == '\'') {
                char quote = text.charAt(i);
                end = i + 1;
                while (end < n && text.charAt(end) != quote && text.charAt(end) != '\n') {
                    end += text.charAt(end) == '\\' ? 2 : 1;
                }
                end = Math.min(n, end + 1);
            } else {
                out.append(text.charAt(i++));
                continue;
            }
            for (int k = i; k < end; k++) out.append(text.charAt(k) == '\n' ? '\n' : ' ');
            i = end;
        }
        return out.toString();
    }

    @Test
    void noPackageDependsOnItselfThroughAnother() throws IOException {
        Map<String, Set<String>> uses = new TreeMap<>();
        List<Path> files = sources();
        for (Path f : files) {
            String text = Files.readString(f);
            Matcher p = PACKAGE.matcher(text);
            assertTrue(p.find(), f + ": no io.ensembles package line");
            String pkg = p.group(1);
            Set<String> out = uses.computeIfAbsent(pkg, k -> new TreeSet<>());
            Matcher r = REFERENCE.matcher(code(text));
            while (r.find()) if (!r.group(1).equals(pkg)) out.add(r.group(1));
        }
        assertTrue(files.size() > 100 && uses.size() > 15, "the scan found " + files.size() + " files in "
                + uses.size() + " packages: wrong folder?");
        List<String> cycles = new ArrayList<>();
        for (String start : uses.keySet()) {
            List<String> path = pathBack(uses, start);
            if (path != null) cycles.add(String.join(" -> ", path));
        }
        assertEquals(List.of(), cycles, "package cycles");
    }

    /** A path of dependencies from {@code start} back to itself (breadth first, so the shortest), or null. */
    private static List<String> pathBack(Map<String, Set<String>> uses, String start) {
        Map<String, String> parent = new TreeMap<>();
        Deque<String> queue = new ArrayDeque<>(uses.getOrDefault(start, Set.of()));
        for (String q : queue) parent.put(q, start);
        while (!queue.isEmpty()) {
            String v = queue.poll();
            if (v.equals(start)) {
                List<String> path = new ArrayList<>(List.of(start));
                for (String w = parent.get(start); !w.equals(start); w = parent.get(w)) path.add(1, w);
                path.add(start);
                return path;
            }
            for (String w : uses.getOrDefault(v, Set.of())) {
                if (!parent.containsKey(w)) {
                    parent.put(w, v);
                    queue.add(w);
                }
            }
        }
        return null;
    }

    @Test
    void noClassOver300LinesAndNoMethodOver60() throws IOException {
        List<String> tooLong = new ArrayList<>();
        for (Path f : sources()) {
            List<String> lines = Files.readAllLines(f);
            String name = ROOT.relativize(f).toString();
            if (lines.size() > MAX_CLASS_LINES) tooLong.add(name + ": " + lines.size() + " lines");
            String[] code = code(String.join("\n", lines)).split("\n", -1);
            for (int i = 0; i < code.length; i++) {
                if (!isMethodHeader(code[i])) continue;
                int depth = 0;
                int end = i;
                for (int j = i; j < code.length; j++) {
                    depth += count(code[j], '{') - count(code[j], '}');
                    end = j;
                    if (depth <= 0) break;
                }
                int length = end - i + 1;
                if (length > MAX_METHOD_LINES) {
                    tooLong.add(name + ":" + (i + 1) + " " + code[i].strip() + " " + length + " lines");
                }
                i = end;
            }
        }
        assertEquals(List.of(), tooLong, "over " + MAX_CLASS_LINES + " lines a class or " + MAX_METHOD_LINES
                + " a method");
    }

    private static boolean isMethodHeader(String line) {
        if (!METHOD.matcher(line).matches()) return false;
        String first = line.strip().split("[\\s(]", 2)[0];
        return !NOT_METHODS.contains(first) && !RECORD.matcher(line).find();
    }

    private static int count(String s, char c) {
        int n = 0;
        for (int i = 0; i < s.length(); i++) if (s.charAt(i) == c) n++;
        return n;
    }
}

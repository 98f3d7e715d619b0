package io.ensembles;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The README and docs/ hold together: every relative link reaches a file of the repository, every
 * {@code #anchor} a heading of its page (GitHub's anchors), the README stays an entry page of at
 * most 300 lines, and no page points at files outside the repository.
 */
class DocumentationTest {
    private static final Path ROOT = Path.of("..").toAbsolutePath().normalize();
    private static final Pattern LINK = Pattern.compile("\\]\\(([^)\\s]+)\\)");
    private static final Pattern FENCE = Pattern.compile("(?s)```.*?```");

    private static List<Path> pages() throws IOException {
        List<Path> pages = new ArrayList<>(List.of(ROOT.resolve("README.md")));
        try (Stream<Path> s = Files.walk(ROOT.resolve("docs"))) {
            s.filter(p -> p.toString().endsWith(".md")).sorted().forEach(pages::add);
        }
        return pages;
    }

    /** GitHub's anchor of a heading: lower case, punctuation but '-' and '_' dropped, spaces to '-'; repeats numbered. */
    static Set<String> anchors(String markdown) {
        Set<String> out = new HashSet<>();
        Map<String, Integer> seen = new HashMap<>();
        for (String line : FENCE.matcher(markdown).replaceAll("").split("\n")) {
            if (!line.matches("#{1,6} .*")) continue;
            String slug = line.replaceFirst("^#+ ", "").strip().toLowerCase(Locale.ROOT)
                    .replaceAll("[^\\p{L}\\p{N}\\- _]", "").replace(' ', '-');
            int n = seen.merge(slug, 1, Integer::sum) - 1;
            out.add(n == 0 ? slug : slug + "-" + n);
        }
        return out;
    }

    @Test
    void everyRelativeLinkReachesAFileAndItsHeading() throws IOException {
        List<String> broken = new ArrayList<>();
        int checked = 0;
        for (Path page : pages()) {
            String text = Files.readString(page);
            Matcher m = LINK.matcher(FENCE.matcher(text).replaceAll(""));
            while (m.find()) {
                String target = m.group(1);
                if (target.matches("[a-z]+:.*")) continue; // https:, mailto:
                String file = target.contains("#") ? target.substring(0, target.indexOf('#')) : target;
                String anchor = target.contains("#") ? target.substring(target.indexOf('#') + 1) : null;
                Path resolved = file.isEmpty() ? page : page.getParent().resolve(file).normalize();
                String where = ROOT.relativize(page) + ": " + target;
                checked++;
                if (!resolved.startsWith(ROOT) || !Files.exists(resolved)) {
                    broken.add(where + " (no such file)");
                } else if (anchor != null && resolved.toString().endsWith(".md")
                        && !anchors(Files.readString(resolved)).contains(anchor)) {
                    broken.add(where + " (no such heading)");
                }
            }
        }
        assertTrue(checked > 50, "links found: " + checked); // the pages link each other: far fewer means the scan broke
        assertEquals(List.of(), broken);
    }

    @Test
    void theReadmeIsAnEntryPage() throws IOException {
        long lines = Files.readAllLines(ROOT.resolve("README.md")).size();
        assertTrue(lines <= 300, "README.md has " + lines + " lines; the rest belongs in docs/");
    }

    @Test
    void noPagePointsOutsideTheRepository() throws IOException {
        for (Path page : pages()) {
            String text = Files.readString(page);
            assertTrue(!text.contains("../shared/") && !text.contains("shared/NOTES.md"),
                    ROOT.relativize(page) + " refers to files outside the repository");
        }
    }

    /**
     * docs/configuration.md makes the commented defaults file the reference instead of copying a
     * table of keys, so every key there must carry a comment: its own (above it or on its line), that
     * of the group of keys it belongs to (no blank line between), or that of its enclosing block.
     */
    @Test
    void theDefaultsFileDocumentsEveryKey() throws IOException {
        List<String> lines = Files.readAllLines(ROOT.resolve("common/src/main/resources/ensembles-defaults.conf"));
        List<String> undocumented = new ArrayList<>();
        java.util.Deque<Boolean> blocks = new java.util.ArrayDeque<>(List.of(false));
        boolean group = false; // the lines since the last blank one are documented
        int keys = 0;
        for (int i = 0; i < lines.size(); i++) {
            String s = lines.get(i).strip();
            if (s.isEmpty()) {
                group = false;
            } else if (s.startsWith("#")) {
                group = true;
            } else if (s.startsWith("}")) {
                blocks.pop();
                group = false;
            } else if (s.endsWith("{")) {
                blocks.push(group || blocks.peek() || s.contains("#"));
                group = false;
            } else if (s.matches("[\\w.-]+\\s*[=:].*")) {
                keys++;
                boolean documented = group || blocks.peek() || s.contains("#");
                if (!documented) undocumented.add("line " + (i + 1) + ": " + s);
                group = documented;
            }
        }
        assertTrue(keys > 80, "keys found: " + keys);
        assertEquals(List.of(), undocumented, "keys of ensembles-defaults.conf without a comment");
    }

    @Test
    void anchorsFollowGitHub() {
        assertEquals(Set.of("ensemble-predict-and-ensemble-convert", "the-papers-recipes", "where-a-training-steps-time-goes",
                        "notes", "notes-1"),
                anchors("## `ensemble predict` and `ensemble convert`\n### The papers' recipes\n"
                        + "## Where a training step's time goes\n```\n# not a heading\n```\n## Notes\n## Notes\n"));
    }
}

package io.ensembles.report;

import io.ensembles.fs.Fs;
import io.ensembles.landscape.LandscapeResult;
import io.ensembles.store.EnsembleLayout;
import io.ensembles.store.Json;
import java.io.IOException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The evaluation report's loss-landscape part: a link to the folder's {@code landscape.html} with
 * its summary, or, when the folder has none yet ({@code summary} null), the command that makes one.
 */
public record LandscapeLink(String folder, String summary) {
    private static final Logger LOG = LoggerFactory.getLogger(LandscapeLink.class);

    /** The link for {@code folder}, from its {@code landscape.json} if it has one. */
    public static LandscapeLink of(EnsembleLayout folder) throws IOException {
        String json = folder.root() + "/landscape.json";
        if (!Fs.exists(json)) return new LandscapeLink(folder.root(), null);
        try {
            return new LandscapeLink(folder.root(), Json.read(Fs.readString(json), LandscapeResult.class).summary());
        } catch (IOException | RuntimeException e) {
            // the evaluation must not fail over the landscape's file: link it, say what is wrong
            LOG.warn("{} is unreadable ({}); the report links it without its summary", json, e.getMessage());
            return new LandscapeLink(folder.root(), json + " could not be read: " + e.getMessage());
        }
    }

    /** The part as HTML: one {@code <section id="landscape">}. */
    public String html() {
        StringBuilder h = new StringBuilder("<section id=\"landscape\"><h2>Loss landscape</h2>\n<p class=\"note\">");
        if (summary != null) {
            h.append("<a href=\"landscape.html\">landscape.html</a>: weight- and function-space similarity of the "
                    + "checkpoints, their t-SNE map, ensembles of independent members against checkpoints of one "
                    + "run, and the loss between solutions.</p>\n<pre>").append(HtmlReport.esc(summary)).append("</pre>");
        } else {
            h.append("Not measured yet: <code>submit/ensemble landscape --ensemble ").append(HtmlReport.esc(folder))
                    .append("</code> writes landscape.html into this folder and links it here (train with "
                            + "<code>training.keep-checkpoints = true</code> to include every member's epochs).</p>");
        }
        return h.append("</section>\n").toString();
    }
}

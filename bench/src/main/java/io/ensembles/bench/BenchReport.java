package io.ensembles.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Joins the JSON lines of a benchmark run (DL4J, ND4J peak, PyTorch) into one Markdown table:
 * per architecture, thread count and phase, DL4J images/s, its GFLOP/s and share of ND4J's
 * matmul peak at the same thread count, PyTorch images/s, and the DL4J/PyTorch ratio.
 */
public final class BenchReport {
    private BenchReport() {}

    public static void main(String[] args) throws IOException {
        System.out.print(table(Files.readAllLines(Path.of(args[0]))));
    }

    static String table(Iterable<String> lines) throws IOException {
        ObjectMapper om = new ObjectMapper();
        Map<String, JsonNode> dl4j = new LinkedHashMap<>();
        Map<String, JsonNode> torch = new LinkedHashMap<>();
        Map<Integer, Double> peak = new LinkedHashMap<>();
        for (String line : lines) {
            if (!line.startsWith("{")) continue;
            JsonNode n = om.readTree(line);
            String key = n.path("arch").asText() + "|" + n.path("threads").asInt() + "|" + n.path("phase").asText();
            switch (n.path("framework").asText()) {
                case "dl4j" -> dl4j.put(key, n);
                case "pytorch" -> torch.put(key, n);
                case "nd4j" -> peak.put(n.path("threads").asInt(), n.path("gflops").asDouble());
                default -> { }
            }
        }
        StringBuilder sb = new StringBuilder();
        sb.append("| threads | ND4J matmul peak (GFLOP/s) |\n|---|---|\n");
        peak.forEach((t, g) -> sb.append(String.format("| %d | %.1f |%n", t, g)));
        sb.append("\n| arch | threads | phase | DL4J img/s | DL4J GFLOP/s | % of matmul peak | PyTorch img/s | DL4J / PyTorch |\n");
        sb.append("|---|---|---|---|---|---|---|---|\n");
        for (Map.Entry<String, JsonNode> e : dl4j.entrySet()) {
            JsonNode d = e.getValue();
            JsonNode t = torch.get(e.getKey());
            double ips = d.path("images_per_s").asDouble();
            String torchIps = t == null ? "-" : String.format("%.0f", t.path("images_per_s").asDouble());
            String ratio = t == null ? "-" : String.format("%.2f", ips / t.path("images_per_s").asDouble());
            sb.append(String.format("| %s | %d | %s | %.0f | %.2f | %.1f%% | %s | %s |%n", d.path("arch").asText(),
                    d.path("threads").asInt(), d.path("phase").asText(), ips, d.path("gflops").asDouble(),
                    100 * d.path("peak_share").asDouble(), torchIps, ratio));
        }
        return sb.toString();
    }
}

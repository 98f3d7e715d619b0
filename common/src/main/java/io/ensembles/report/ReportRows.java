package io.ensembles.report;

import io.ensembles.report.EvaluationReport.Row;
import io.ensembles.report.EvaluationReport.SubsetMetrics;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The rows of an evaluation report from the metrics of each set of members: which sets a report
 * shows (the manifest order and the seeded random orders), each measured once, and the means.
 */
final class ReportRows {
    private ReportRows() {}

    /** Every set of members whose ensemble a report of K members with {@code randomOrders} orders shows, once each. */
    static List<int[]> subsets(int k, int randomOrders) {
        Map<List<Integer>, int[]> sets = new LinkedHashMap<>();
        for (List<Integer> idx : orders(k, randomOrders)) {
            for (int size = 1; size <= k; size++) {
                int[] set = idx.subList(0, size).stream().mapToInt(Integer::intValue).sorted().toArray();
                sets.putIfAbsent(java.util.Arrays.stream(set).boxed().toList(), set);
            }
        }
        for (int m = 0; m < k; m++) sets.putIfAbsent(List.of(m), new int[] {m});
        return List.copyOf(sets.values());
    }

    /** The manifest order, then {@code randomOrders} seeded random orders (none for one member). */
    private static List<List<Integer>> orders(int k, int randomOrders) {
        List<List<Integer>> out = new ArrayList<>();
        List<Integer> manifest = new ArrayList<>();
        for (int i = 0; i < k; i++) manifest.add(i);
        out.add(manifest);
        if (randomOrders > 0 && k > 1) {
            java.util.Random rnd = new java.util.Random(EvaluationReport.ORDER_SEED);
            for (int o = 0; o < randomOrders; o++) {
                List<Integer> order = new ArrayList<>(manifest);
                java.util.Collections.shuffle(order, rnd);
                out.add(order);
            }
        }
        return out;
    }

    /**
     * The report's rows from the metrics of each set of members: every member, the mean member,
     * the ensemble of the first k members in manifest order, and the random-order means.
     */
    static List<Row> rows(List<String> memberIds, double[] epochsSpent, double baseEpochs, int randomOrders,
                          SubsetMetrics metrics) {
        // every row depends only on which members it averages: each set is measured once (the
        // calibration is the costly part), whatever order, size or kind asks for it again
        Map<List<Integer>, Row> bySet = new java.util.HashMap<>();
        java.util.function.BiFunction<List<Integer>, String[], Row> rowOf = (idx, label) -> {
            int[] set = idx.stream().mapToInt(Integer::intValue).sorted().toArray();
            Row r = bySet.computeIfAbsent(java.util.Arrays.stream(set).boxed().toList(), x -> metrics.of(set));
            double cost = idx.stream().mapToDouble(m -> epochsSpent[m]).sum();
            return new Row(label[0], label[1], idx.size(), cost / baseEpochs, r.accuracy(), r.error(), r.nll(), r.ece(),
                    r.adaptiveEce(), r.brier(), r.calibratedNll(), r.temperature(), r.disagreement(),
                    r.disagreementOverError(), r.kl());
        };
        int k = memberIds.size();
        List<List<Integer>> orders = orders(k, randomOrders);
        List<Row> rows = new ArrayList<>();
        List<Row> members = new ArrayList<>();
        for (int m = 0; m < k; m++) members.add(rowOf.apply(List.of(m), new String[] {memberIds.get(m), "member"}));
        rows.addAll(members);
        rows.add(meanOf(members));
        for (int size = 1; size <= k; size++) {
            rows.add(rowOf.apply(orders.get(0).subList(0, size), new String[] {"ensemble", "ensemble"}));
        }
        if (orders.size() > 1) {
            for (int size = 1; size <= k; size++) {
                List<Row> same = new ArrayList<>();
                for (List<Integer> order : orders.subList(1, orders.size())) {
                    same.add(rowOf.apply(order.subList(0, size), new String[] {"ensemble", "ensemble-random-order"}));
                }
                rows.add(mean(same, "ensemble", "ensemble-random-order", size));
            }
        }
        return rows;
    }

    /** The mean member: every metric averaged over the members (no diversity within one member). */
    private static Row meanOf(List<Row> m) {
        Row r = mean(m, "mean member", "mean-member", 1);
        return new Row(r.model(), r.kind(), 1, Double.NaN, r.accuracy(), r.error(), r.nll(), r.ece(), r.adaptiveEce(),
                r.brier(), r.calibratedNll(), r.temperature(), 0, 0, 0);
    }

    /** Every metric averaged over {@code m}. */
    private static Row mean(List<Row> m, String model, String kind, int size) {
        int k = m.size();
        java.util.function.ToDoubleFunction<java.util.function.ToDoubleFunction<Row>> avg =
                f -> m.stream().mapToDouble(f).sum() / k;
        return new Row(model, kind, size, avg.applyAsDouble(Row::budget), avg.applyAsDouble(Row::accuracy),
                avg.applyAsDouble(Row::error), avg.applyAsDouble(Row::nll), avg.applyAsDouble(Row::ece),
                avg.applyAsDouble(Row::adaptiveEce), avg.applyAsDouble(Row::brier),
                avg.applyAsDouble(Row::calibratedNll), avg.applyAsDouble(Row::temperature),
                avg.applyAsDouble(Row::disagreement), avg.applyAsDouble(Row::disagreementOverError),
                avg.applyAsDouble(Row::kl));
    }
}

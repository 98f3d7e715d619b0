package io.ensembles.jobs;

import io.ensembles.config.EnsembleConfig;
import io.ensembles.evaluation.Predictors;
import io.ensembles.jobs.PredictionStage.Block;
import io.ensembles.metrics.EnsembleStatistics;
import io.ensembles.metrics.TemperatureCrossValidation;
import io.ensembles.report.EvaluationReport;
import io.ensembles.report.OodEvaluation;
import io.ensembles.report.ShiftEvaluation;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.spark.api.java.JavaRDD;

/**
 * The evaluation's metrics stage: every metric from the persisted prediction blocks, by passes that
 * return only sums ({@link EnsembleStatistics}) or per-partition counts ({@link RankingJobs}), so no
 * prediction reaches the driver.
 */
final class MetricsStage {
    private MetricsStage() {}

    /**
     * Every row of the report from the test blocks: the sums in one pass (with the first step of
     * every temperature search), one more pass per further Newton step of the slowest search and
     * one to score the fitted temperatures, and the narrowing passes of adaptive ECE.
     */
    static EvaluationReport rows(String name, Predictors predictors, EnsembleConfig config, JavaRDD<Block> test,
                                 int n, int classes) {
        var ev = config.evaluation();
        List<String> ids = predictors.ids();
        int[][] subsets = EvaluationReport.subsets(ids.size(), ev.randomOrders()).toArray(new int[0][]);
        TemperatureCrossValidation[] cv = new TemperatureCrossValidation[subsets.length];
        for (int s = 0; s < subsets.length; s++) {
            cv[s] = new TemperatureCrossValidation(classes, EvaluationReport.CALIBRATION_REPEATS,
                    EvaluationReport.CALIBRATION_SEED);
        }
        EnsembleStatistics base = null;
        // the first pass adds up the sums with the first step of every search; then a pass per step
        for (int pass = 0; ; pass++) {
            TemperatureCrossValidation.Round[] rounds = TemperatureCrossValidation.next(cv);
            if (rounds == null) break;
            EnsembleStatistics proto = new EnsembleStatistics(classes, ev.eceBins(), ids.size(), subsets, pass == 0,
                    rounds);
            EnsembleStatistics sums = test.map(b -> proto.emptyCopy().addBlock(b.first(), b.labels(), b.probs()))
                    .treeReduce(EnsembleStatistics::merge);
            for (int s = 0; s < subsets.length; s++) if (rounds[s] != null) cv[s].finish(sums.round(s));
            if (pass == 0) base = sums;
        }
        double[] adaptive = AdaptiveEce.compute(test, subsets, classes, ev.eceBins(), n);
        Map<List<Integer>, Integer> index = new HashMap<>();
        for (int s = 0; s < subsets.length; s++) index.put(Arrays.stream(subsets[s]).boxed().toList(), s);
        EnsembleStatistics b = base;
        EvaluationReport report = EvaluationReport.assemble(name, ids, predictors.spent(),
                config.budget().baseEpochs(config.training()), n, ev.randomOrders(), set -> {
                    int s = index.get(Arrays.stream(set).boxed().toList());
                    double acc = b.accuracy(s);
                    return EvaluationReport.measured(set.length, acc, b.nll(s), b.ece(s), adaptive[s], b.brier(s),
                            cv[s].result(1 - acc), b.disagreement(s), b.kl(s));
                });
        List<Integer> all = new ArrayList<>();
        for (int m = 0; m < ids.size(); m++) all.add(m);
        return report.withReliability(List.of(
                new EvaluationReport.Reliability(ids.get(0), b.reliability(index.get(List.of(0)))),
                new EvaluationReport.Reliability(EvaluationReport.reliabilityName(ids.size()),
                        b.reliability(index.get(all)))));
    }

    /** OOD detection (AUROC/AUPR by distributed ranking) and the score histograms, into {@code report}. */
    static void ood(EvaluationReport report, PredictionStage.Predicted p, int slots, int classes) {
        report.withOod(RankingJobs.ood(p.testBlocks(), p.oodBlocks(), slots, classes));
        report.withOodHistograms(p.blocks().map(b -> new OodEvaluation.Histograms(classes)
                .add(Arrays.asList(b.probs()), b.set().equals(PredictionStage.OOD)))
                .reduce(OodEvaluation.Histograms::merge).rows());
    }

    /** The metrics under every corruption and severity, summed by the prediction tasks, into {@code report}. */
    static void shift(EvaluationReport report, JavaRDD<Block> test) {
        report.withShift(test.map(Block::shift).reduce(ShiftEvaluation.Sums::merge).rows());
    }

    /** The seconds every predictor spent on the test rows, summed over the tasks. */
    static double inferenceSeconds(JavaRDD<Block> test) {
        return test.map(b -> Arrays.stream(b.seconds()).sum()).fold(0.0, Double::sum);
    }
}

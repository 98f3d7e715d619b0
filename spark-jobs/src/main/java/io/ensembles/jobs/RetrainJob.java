package io.ensembles.jobs;

import io.ensembles.evaluation.EvaluationOptions;
import com.fasterxml.jackson.databind.JsonNode;
import com.typesafe.config.ConfigFactory;
import io.ensembles.config.EnsembleConfig;
import io.ensembles.report.EvaluationReport;
import io.ensembles.store.Json;
import io.ensembles.fs.Fs;
import io.ensembles.store.Manifest;
import io.ensembles.store.MemberRecord;
import io.ensembles.store.StoredWarmStart;
import io.ensembles.train.WarmStart;
import io.ensembles.versions.EnsembleVersions;
import io.ensembles.versions.Promotion;
import io.ensembles.versions.RetrainRecord;
import java.io.IOException;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.spark.sql.SparkSession;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Scheduled retraining of a versioned ensemble ({@link EnsembleVersions}): trains a new version
 * (new seeds, or warm-started from the current version), evaluates it and the current version on
 * the new version's test data, promotes it by replacing {@code current.json} only if it is not
 * worse on {@code retrain.metric}, and deletes versions beyond {@code retrain.keep-versions}.
 * A run interrupted before its decision is resumed by the next run with the same configuration
 * (same version folder, members resumed from their checkpoints).
 */
public final class RetrainJob {
    private static final Logger LOG = LoggerFactory.getLogger(RetrainJob.class);
    /** How far the seed advances per version: member seeds (seed + 1000 k) stay distinct for K < 1000. */
    public static final long SEED_STEP = 1_000_000L;

    private RetrainJob() {}

    /** What the run did: its version, the decision ({@link RetrainRecord} states) and the figures. */
    public record Outcome(String version, String state, String basedOn, Double candidateValue, Double currentValue,
                          String metric, String reason, String current, List<String> kept, List<String> deleted) {}

    /** The configuration of version {@code name}: {@code base} with its seed advanced for that version. */
    public static EnsembleConfig forVersion(EnsembleConfig base, String name) {
        long seed = base.ensemble().seed() + SEED_STEP * (EnsembleVersions.number(name) - 1);
        return EnsembleConfig.from(ConfigFactory.parseString(base.rendered()), Map.of("ensemble.seed", seed));
    }

    /**
     * @param base the configuration of the new version, its {@code ensemble.seed} the base seed that
     *             every version's seed advances from
     */
    public static Outcome run(SparkSession spark, String rootUri, EnsembleConfig base) throws IOException {
        Fs.configure(spark.sparkContext().hadoopConfiguration());
        EnsembleVersions versions = new EnsembleVersions(Fs.qualify(rootUri));
        EnsembleVersions.Pointer current = versions.current();
        String basedOn = current == null ? null : current.version();
        var rt = base.retrain();

        String name = resumable(versions, base, basedOn);
        EnsembleConfig cfg = forVersion(base, name);
        JsonNode cfgJson = Json.MAPPER.readTree(cfg.rendered());
        RetrainRecord previous = versions.readRecord(name);
        RetrainRecord rec = new RetrainRecord(name, RetrainRecord.TRAINING, rt.init(), basedOn, base.ensemble().seed(),
                rt.metric(), rt.tolerance(), null, null, null,
                previous != null ? previous.startedAt() : Instant.now().toString(), null, cfgJson);
        versions.writeRecord(rec);
        String out = versions.version(name);
        WarmStart warm = rt.init().equals("warm-start") && current != null
                ? new StoredWarmStart(versions.version(current.version())) : null;
        LOG.info("retraining '{}': version {} ({}{}, seed {}) into {}", cfg.ensemble().name(), name, rt.init(),
                basedOn == null ? ", the first version" : ", current version " + basedOn, cfg.ensemble().seed(), out);
        try {
            Manifest m = !cfg.ensemble().method().oneRun()
                    ? TrainJob.run(spark, cfg, out, warm) : SnapshotJob.run(spark, cfg, out);
            long failed = m.members().stream().filter(r -> !r.completed()).count();
            if (failed > 0) {
                String why = failed + " of " + m.members().size() + " members failed or collapsed in training ("
                        + m.members().stream().filter(r -> !r.completed()).map(MemberRecord::failureReason)
                        .findFirst().orElse("") + "); the current version stays; a rerun retrains the failed "
                        + "ones, while a collapsed one (a finished model no better than chance) needs another "
                        + "configuration";
                return finish(versions, rec.with(RetrainRecord.FAILED, null, null, why, Instant.now().toString()),
                        current, cfg);
            }
            double cv = Promotion.metricOf(EvaluateJob.run(spark, out, EvaluationOptions.defaults()), rt.metric());
            if (current == null) {
                rec = rec.with(RetrainRecord.PROMOTED, cv, null, String.format("the first version: %s %.5f", rt.metric(), cv),
                        Instant.now().toString());
                versions.promote(new EnsembleVersions.Pointer(name, Instant.now().toString(), rt.metric(), cv, null));
                return finish(versions, rec, versions.current(), cfg);
            }
            Compared c = againstCurrent(spark, versions, current, cfg, rt, name, cv);
            rec = rec.with(c.decision().promote() ? RetrainRecord.PROMOTED : RetrainRecord.KEPT_OLD, cv, c.incumbent(),
                    c.decision().reason(),
                    Instant.now().toString());
            return finish(versions, rec, versions.current(), cfg);
        } catch (io.ensembles.data.DataFormatException bad) {
            // bad data stops a job before it writes anything: a version made by this run goes again
            if (previous == null) Fs.delete(out, true);
            else versions.writeRecord(rec.with(RetrainRecord.FAILED, null, null, bad.getMessage(), Instant.now().toString()));
            throw bad;
        } catch (IOException | RuntimeException e) {
            String first = String.valueOf(e.getMessage()).lines().findFirst().orElse(e.toString());
            versions.writeRecord(rec.with(RetrainRecord.FAILED, null, null, first, Instant.now().toString()));
            throw e;
        }
    }

    /**
     * Evaluates the current version on the new version's held-out data (its files kept out of its
     * own folder), decides, and promotes the new version when the rule says so.
     */
    private static Compared againstCurrent(SparkSession spark, EnsembleVersions versions,
                                           EnsembleVersions.Pointer current, EnsembleConfig cfg,
                                           EnsembleConfig.RetrainSection rt, String name, double cv) throws IOException {
        Map<String, Object> sameData = new LinkedHashMap<>();
        sameData.put("data.test-images", cfg.data().testImages());
        sameData.put("data.test-labels", cfg.data().testLabels());
        sameData.put("data.test-limit", cfg.data().testLimit());
        sameData.put("evaluation.write-predictions", false);
        sameData.put("evaluation.random-orders", 0);
        EvaluationReport incumbent = EvaluateJob.run(spark, versions.version(current.version()),
                EvaluationOptions.defaults().settings(sameData).writingTo(versions.baseline(name)));
        double kv = Promotion.metricOf(incumbent, rt.metric());
        Promotion.Decision d = Promotion.decide(rt.metric(), cv, kv, rt.tolerance());
        if (d.promote()) {
            versions.promote(new EnsembleVersions.Pointer(name, Instant.now().toString(), rt.metric(), cv,
                    current.version()));
        }
        return new Compared(d, kv);
    }

    /** The promotion rule's decision and the current version's metric it compared against. */
    private record Compared(Promotion.Decision decision, double incumbent) {}

    /**
     * The version this run works on: the newest one when an earlier run left it unfinished with the
     * same configuration and the same current version (it is resumed), else a new one. An unfinished
     * version that is not resumed is marked abandoned.
     */
    static String resumable(EnsembleVersions versions, EnsembleConfig base, String basedOn) throws IOException {
        List<String> all = versions.list();
        if (all.isEmpty()) return versions.next();
        String last = all.get(all.size() - 1);
        RetrainRecord r = versions.readRecord(last);
        if (r == null || !r.resumable() || last.equals(basedOn)) return versions.next();
        JsonNode wanted = Json.MAPPER.readTree(forVersion(base, last).rendered());
        if (wanted.equals(r.config()) && java.util.Objects.equals(basedOn, r.basedOn())) {
            LOG.info("version {} was left unfinished ({}) with this configuration: resuming it", last, r.state());
            return last;
        }
        LOG.info("version {} was left unfinished ({}) with another configuration or base: abandoning it", last,
                r.state());
        versions.writeRecord(r.with(RetrainRecord.ABANDONED, r.candidateValue(), r.currentValue(),
                "a later run asked for another configuration or started from another version",
                Instant.now().toString()));
        return versions.next();
    }

    private static Outcome finish(EnsembleVersions versions, RetrainRecord rec, EnsembleVersions.Pointer current,
                                  EnsembleConfig cfg) throws IOException {
        versions.writeRecord(rec);
        String cur = current == null ? null : current.version();
        Set<String> protect = new java.util.HashSet<>(java.util.Arrays.asList(rec.version(), cur));
        List<String> deleted = versions.prune(cfg.retrain().keepVersions(), protect);
        if (!deleted.isEmpty()) LOG.info("deleted versions {} (retrain.keep-versions = {})", deleted,
                cfg.retrain().keepVersions());
        LOG.info("version {}: {} ({}); current version: {}", rec.version(), rec.state(), rec.reason(), cur);
        return new Outcome(rec.version(), rec.state(), rec.basedOn(), rec.candidateValue(), rec.currentValue(),
                rec.metric(), rec.reason(), cur, versions.list(), deleted);
    }
}

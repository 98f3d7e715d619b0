package io.ensembles.evaluation;

import io.ensembles.config.EnsembleConfig;
import io.ensembles.fs.Fs;
import io.ensembles.report.EvaluationReport.LeftOut;
import io.ensembles.store.EnsembleLayout;
import io.ensembles.store.IntegrityException;
import io.ensembles.store.Manifest;
import io.ensembles.store.MemberRecord;
import io.ensembles.store.VerifiedModels;
import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What an evaluation will do, decided on the driver before any Spark stage: the configuration (the
 * manifest's, with the options over it), the members evaluated and those left out with the reason,
 * and their {@link Predictors}.
 *
 * @param outputs where the evaluation's own files go: the ensemble folder unless the options say otherwise
 */
public record EvaluationPlan(EnsembleLayout layout, EnsembleLayout outputs, Manifest manifest, EnsembleConfig config,
                             Predictors predictors, List<LeftOut> leftOut, boolean shift) {
    private static final Logger LOG = LoggerFactory.getLogger(EvaluationPlan.class);

    /** The plan for the ensemble at {@code ensembleUri}; member files are verified here under --skip-bad-members. */
    public static EvaluationPlan of(String ensembleUri, EvaluationOptions options) throws IOException {
        EnsembleLayout layout = new EnsembleLayout(Fs.qualify(ensembleUri));
        Manifest manifest = Manifest.read(layout);
        EnsembleLayout outputs = options.output() == null ? layout : new EnsembleLayout(Fs.qualify(options.output()));
        List<LeftOut> leftOut = new ArrayList<>();
        List<MemberRecord> members = completed(layout, manifest, leftOut);
        EnsembleConfig config = manifest.configuration(overrides(options));
        List<MemberRecord> used = config.evaluation().evaluated(members);
        if (used.size() < members.size()) {
            LOG.info("evaluating the first {} of {} completed members (evaluation.max-members)", used.size(),
                    members.size());
        }
        members = used;
        if (options.skipBadMembers()) members = verified(layout, members, leftOut);
        if (options.shift() && !manifest.shape().isImage()) {
            throw new IllegalArgumentException("--shift corrupts images; the test set holds " + manifest.shape());
        }
        return new EvaluationPlan(layout, outputs, manifest, config, Predictors.of(members,
                config.evaluation().mcPasses()), List.copyOf(leftOut), options.shift());
    }

    /** The configuration keys the options set, over the manifest's configuration. */
    private static Map<String, Object> overrides(EvaluationOptions options) {
        Map<String, Object> overrides = new LinkedHashMap<>(options.settings());
        if (options.testLimit() >= 0) overrides.put("data.test-limit", options.testLimit());
        if (options.mcPasses() >= 1) overrides.put("evaluation.mc-passes", options.mcPasses());
        if (options.ood() != null) overrides.put("data.ood-images", options.ood());
        return overrides;
    }

    private static List<MemberRecord> completed(EnsembleLayout layout, Manifest manifest, List<LeftOut> leftOut) {
        for (MemberRecord r : manifest.members()) {
            if (r.completed()) continue;
            LOG.warn("member {} is left out: {} in training ({})", r.id(), r.status(), r.failureReason());
            leftOut.add(new LeftOut(r.id(), r.status(), r.failureReason()));
        }
        List<MemberRecord> members = manifest.completedMembers();
        if (members.isEmpty()) {
            throw new IllegalStateException(layout.manifest() + ": no completed member to evaluate (" + leftOut.stream()
                    .map(l -> l.id() + " " + l.status()).collect(Collectors.joining(", ")) + ")");
        }
        return members;
    }

    /** The members whose files pass verification; checked here so a bad file is left out instead of failing a task. */
    private static List<MemberRecord> verified(EnsembleLayout layout, List<MemberRecord> members,
                                               List<LeftOut> leftOut) throws IOException {
        List<MemberRecord> good = new ArrayList<>();
        for (MemberRecord r : members) {
            try {
                VerifiedModels.verify(layout, r);
                good.add(r);
            } catch (IntegrityException e) {
                LOG.warn("member {} is left out (--skip-bad-members): {}", r.id(), e.getMessage());
                leftOut.add(new LeftOut(r.id(), "unverified", e.getMessage()));
            }
        }
        if (good.isEmpty()) throw new IntegrityException(layout.manifest() + ": no member passed verification");
        return good;
    }

    /** Whether the evaluation writes into the ensemble's own folder (and may store scoring settings there). */
    public boolean inPlace() {
        return outputs == layout;
    }
}

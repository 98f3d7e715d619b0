package io.ensembles.store;

import io.ensembles.fs.Fs;

/**
 * Where everything of one ensemble lives, relative to its folder:
 * <pre>
 *   manifest.json                         written last by the driver: the ensemble exists once this does
 *   metrics.json                          written by the evaluation
 *   members/m000/model.zip                the finished member
 *   members/m000/result.json              the member's record, written right after its model
 *   members/m000/checkpoint.json          the newest epoch checkpoint (names its zip and SHA-256)
 *   members/m000/checkpoint-e0003.zip
 *   members/m000/progress.json            the latest progress, polled by the driver's log
 *   members/m000/trajectory/e0003-&lt;sha12&gt;.zip  the weights after epoch 3 (training.keep-checkpoints)
 * </pre>
 * Paths stored in manifests are relative and checked so that they cannot leave the folder.
 */
public record EnsembleLayout(String root) {
    public EnsembleLayout {
        while (root.endsWith("/") && root.length() > 1) root = root.substring(0, root.length() - 1);
    }

    /** The last segment of a folder URI: how reports name an ensemble. */
    public static String folderName(String uri) {
        String u = uri.replaceAll("/+$", "");
        return u.substring(u.lastIndexOf('/') + 1);
    }

    /** The folder's own name (see {@link #folderName}). */
    public String name() { return folderName(root); }

    public String manifest() { return root + "/manifest.json"; }
    public String metrics() { return root + "/metrics.json"; }
    /** Per-example predictions of the last evaluation, a Parquet data set (folder). */
    public String predictions() { return root + "/predictions.parquet"; }
    /** The HTML report of the last evaluation. */
    public String report() { return root + "/report.html"; }
    public String membersDir() { return root + "/members"; }
    public String memberDir(String id) { return membersDir() + "/" + id; }
    public static String modelRelative(String id) { return "members/" + id + "/model.zip"; }
    public String result(String id) { return memberDir(id) + "/result.json"; }
    public String checkpointIndex(String id) { return memberDir(id) + "/checkpoint.json"; }
    public String checkpointZip(String id, int epoch) { return memberDir(id) + String.format("/checkpoint-e%04d.zip", epoch); }
    /**
     * The kept weights of epoch {@code epoch}, named by the first 12 hex digits of their SHA-256 so
     * that two attempts of one member (a retry, a speculative copy) never write the same name with
     * different bytes.
     */
    public static String trajectoryRelative(String id, int epoch, String sha256) {
        return String.format("members/%s/trajectory/e%04d-%s.zip", id, epoch, sha256.substring(0, 12));
    }
    public String trajectoryDir(String id) { return memberDir(id) + "/trajectory"; }
    public String progress(String id) { return memberDir(id) + "/progress.json"; }

    /**
     * Refuses a file of the folder that really lies outside it: reached through a symbolic link
     * (of the file or of a folder on its way) that points elsewhere. {@code what} names it in the error.
     */
    public void checkInside(String uri, String what) throws java.io.IOException {
        String folder = Fs.realLocation(root);
        String file = Fs.realLocation(uri);
        String prefix = folder.endsWith("/") ? folder : folder + "/";
        if (!file.startsWith(prefix)) {
            throw new IntegrityException(what + " " + uri + " is a link to " + file + ", outside the ensemble folder "
                    + folder + "; refusing to read it");
        }
    }

    /** A manifest-relative path resolved inside the folder; anything that could escape it is refused. */
    public String resolve(String relative) {
        if (relative == null || relative.isBlank() || relative.startsWith("/") || relative.contains(":")
                || relative.contains("\\")) {
            throw new IntegrityException("manifest path '" + relative + "' is not a relative path inside the ensemble folder");
        }
        for (String part : relative.split("/")) {
            if (part.equals("..") || part.equals(".") || part.isEmpty()) {
                throw new IntegrityException("manifest path '" + relative + "' may not contain '..', '.' or empty parts");
            }
        }
        return root + "/" + relative;
    }
}

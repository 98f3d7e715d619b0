package io.ensembles.jobs;

import java.util.HashMap;
import java.util.Map;
import org.apache.spark.SparkConf;
import org.apache.spark.TaskContext;
import org.apache.spark.sql.SparkSession;
import scala.Tuple2;

/** Small helpers shared by the jobs: the session, the Hadoop settings executors need, task identity. */
public final class SparkSupport {
    private SparkSupport() {}

    /** The session spark-submit configured (master from --master), or local[*] when none is set. */
    public static SparkSession session(String appName) {
        SparkConf conf = new SparkConf().setAppName(appName);
        if (!conf.contains("spark.master")) conf.setMaster("local[*]");
        return SparkSession.builder().config(conf).getOrCreate();
    }

    /** The driver's Hadoop settings (spark.hadoop.* and the default filesystem), for the tasks' Fs. */
    public static Map<String, String> hadoopSettings(SparkSession spark) {
        Map<String, String> m = new HashMap<>();
        for (Tuple2<String, String> e : spark.sparkContext().getConf().getAll()) {
            if (e._1().startsWith("spark.hadoop.")) m.put(e._1().substring("spark.hadoop.".length()), e._2());
        }
        m.put("fs.defaultFS", spark.sparkContext().hadoopConfiguration().get("fs.defaultFS", "file:///"));
        return m;
    }

    /** spark.task.cpus: the threads each member's task may use. */
    public static int taskCpus(SparkSession spark) {
        return spark.sparkContext().getConf().getInt("spark.task.cpus", 1);
    }

    /** "executor <id> on <host>", for the manifest and the logs. */
    public static String executorDescription() {
        TaskContext tc = TaskContext.get();
        String exec = org.apache.spark.SparkEnv.get() != null ? org.apache.spark.SparkEnv.get().executorId() : "?";
        String host;
        try {
            host = java.net.InetAddress.getLocalHost().getHostName();
        } catch (java.net.UnknownHostException e) {
            host = "unknown-host";
        }
        return "executor " + exec + " on " + host + (tc != null ? " (task attempt " + tc.attemptNumber() + ")" : "");
    }
}

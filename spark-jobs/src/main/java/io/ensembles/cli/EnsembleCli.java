package io.ensembles.cli;

import io.ensembles.config.ConfigValidationException;
import io.ensembles.data.DataFormatException;
import io.ensembles.store.IntegrityException;
import java.io.PrintWriter;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/**
 * {@code ensemble}: the command line of the project. Each subcommand first validates everything
 * it can without Spark (options, configuration, paths), then starts the Spark application, which
 * runs the same subcommand again inside Spark with {@code --in-spark}.
 * Exit codes: 0 success, 1 the job failed, 2 invalid input; {@code retrain}: 3 the current version was kept.
 */
@Command(name = "ensemble", mixinStandardHelpOptions = true, versionProvider = EnsembleCli.Version.class,
        description = "Deep ensembles on Apache Spark: train members in parallel (train), ensembles from one run (snapshot), evaluate them (evaluate), scheduled retraining of a versioned ensemble (retrain), the loss-landscape view of members (landscape).",
        subcommands = {TrainCommand.class, SnapshotCommand.class, EvaluateCommand.class, RetrainCommand.class,
                LandscapeCommand.class, PredictCommand.class, ConvertCommand.class, CommandLine.HelpCommand.class})
public final class EnsembleCli implements Callable<Integer> {
    public static final int OK = 0;
    public static final int FAILED = 1;
    public static final int INVALID = 2;
    /** {@code retrain}: the new version was not better, the current one stays. */
    public static final int KEPT = 3;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        spec.commandLine().usage(spec.commandLine().getErr());
        return INVALID;
    }

    public static void main(String[] args) {
        io.ensembles.train.NativeRuntime.configure(); // before anything loads ND4J
        System.exit(execute(args));
    }

    /** Runs the command line and returns the exit code (tests call this). */
    public static int execute(String... args) {
        CommandLine cl = new CommandLine(new EnsembleCli());
        cl.setExecutionExceptionHandler((e, cmd, parsed) -> {
            PrintWriter err = cmd.getErr();
            if (e instanceof CliException || e instanceof ConfigValidationException
                    || e instanceof DataFormatException || e instanceof IntegrityException) {
                err.println("error: " + e.getMessage());
                err.flush();
                return e instanceof IntegrityException ? FAILED : INVALID;
            }
            String remote = ErrorMessages.taskFailure(e);
            if (remote != null) {
                err.println("error: " + remote);
            } else {
                err.println("error: " + e);
                e.printStackTrace(err);
            }
            err.flush();
            return FAILED;
        });
        cl.setParameterExceptionHandler((e, a) -> {
            PrintWriter err = e.getCommandLine().getErr();
            err.println("error: " + e.getMessage());
            err.println("(see: ensemble " + e.getCommandLine().getCommandName() + " --help)");
            err.flush();
            return INVALID;
        });
        return cl.execute(args);
    }

    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            var v = io.ensembles.util.BuildInfo.codeVersion();
            return new String[] {"ensemble " + v.get("version") + " (" + v.get("describe") + ")"};
        }
    }
}

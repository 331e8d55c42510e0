package dev.bellm.cli;

import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;

/**
 * A progress bar on the terminal, nothing in a pipe (the library would keep rewriting its line into a log).
 */
final class Progress implements AutoCloseable {
    private final ProgressBar bar;

    private Progress(ProgressBar bar) {
        this.bar = bar;
    }

    static boolean onTerminal() {
        java.io.Console c = System.console();
        return c != null && c.isTerminal();
    }

    static Progress start(String task, long total) {
        if (!onTerminal()) return new Progress(null);
        return new Progress(new ProgressBarBuilder().setTaskName(task).setInitialMax(total).setStyle(ProgressBarStyle.ASCII)
                .setUpdateIntervalMillis(250).continuousUpdate().build());
    }

    void stepTo(long done) {
        if (bar != null) bar.stepTo(done);
    }

    void message(String extra) {
        if (bar != null) bar.setExtraMessage(extra);
    }

    @Override
    public void close() {
        if (bar != null) bar.close();
    }

    /** A bar that appears with the first report, sized by the total that report gives: for (done, total) callbacks. */
    static Lazy lazy(String task) {
        return new Lazy(task);
    }

    static final class Lazy implements AutoCloseable {
        private final String task;
        private Progress bar;

        private Lazy(String task) {
            this.task = task;
        }

        void update(long done, long total) {
            if (bar == null) bar = start(task, total);
            bar.stepTo(done);
        }

        @Override
        public void close() {
            if (bar != null) bar.close();
        }
    }
}

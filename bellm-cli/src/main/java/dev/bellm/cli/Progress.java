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
}

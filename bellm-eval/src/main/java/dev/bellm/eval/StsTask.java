package dev.bellm.eval;

import java.nio.file.Path;
import java.util.List;

/**
 * The seven STS tasks of SentEval / SimCSE / PromptEOL / BeLLM, with where their files live under the data
 * folder ({@code <bellm.data>/data}) and the names they get in results, the paper's table and MTEB.
 * The STS12–16 subset lists are SentEval's: STS13's SMT subset is licensed separately and not evaluated.
 */
public enum StsTask {
    STS12("sts12", "STS12", "STS12", "STS12", "sts/STS12-en-test",
            List.of("MSRpar", "MSRvid", "SMTeuroparl", "surprise.OnWN", "surprise.SMTnews")),
    STS13("sts13", "STS13", "STS13", "STS13", "sts/STS13-en-test", List.of("FNWN", "headlines", "OnWN")),
    STS14("sts14", "STS14", "STS14", "STS14", "sts/STS14-en-test",
            List.of("deft-forum", "deft-news", "headlines", "images", "OnWN", "tweet-news")),
    STS15("sts15", "STS15", "STS15", "STS15", "sts/STS15-en-test",
            List.of("answers-forums", "answers-students", "belief", "headlines", "images")),
    STS16("sts16", "STS16", "STS16", "STS16", "sts/STS16-en-test",
            List.of("answer-answer", "headlines", "plagiarism", "postediting", "question-question")),
    STSB("stsb", "STSBenchmark", "STS-B", "STSBenchmark", "sts/STSBenchmark", List.of()),
    SICKR("sickr", "SICKRelatedness", "SICK-R", "SICK-R", "sts/SICK", List.of());

    /** The name on the command line. */
    public final String cliName;
    /** The key in the results JSON. */
    public final String resultName;
    /** The column header in the paper's table. */
    public final String columnName;
    /** The task name MTEB uses for the same data. */
    public final String mtebName;
    /** The folder under the data folder. */
    public final String folder;
    /** STS12–16: the subsets whose pairs are concatenated; empty for STS-B and SICK-R. */
    public final List<String> subsets;

    StsTask(String cliName, String resultName, String columnName, String mtebName, String folder, List<String> subsets) {
        this.cliName = cliName;
        this.resultName = resultName;
        this.columnName = columnName;
        this.mtebName = mtebName;
        this.folder = folder;
        this.subsets = subsets;
    }

    /** True for STS12–16, whose result also lists each subset. */
    public boolean hasSubsets() {
        return !subsets.isEmpty();
    }

    /** The splits this task can be evaluated on; the first is the default. */
    public List<String> splits() {
        return switch (this) {
            case STSB -> List.of("test", "dev", "train");
            case SICKR -> List.of("test", "trial", "train");
            default -> List.of("test");
        };
    }

    /** The scored pairs of {@code split} (one of {@link #splits()}), read from {@code dataDir/folder}. */
    public List<ScoredPair> load(Path dataDir, String split) {
        if (!splits().contains(split)) {
            throw new IllegalArgumentException(cliName + " has no split '" + split + "'; choose one of " + splits());
        }
        Path dir = dataDir.resolve(folder);
        return switch (this) {
            case STSB -> StsReaders.readStsBenchmark(dir.resolve("sts-" + split + ".csv"), split);
            case SICKR -> StsReaders.readSick(dir.resolve(split.equals("test") ? "SICK_test_annotated.txt"
                    : "SICK_" + split + ".txt"), split);
            default -> StsReaders.readStsYear(dir, subsets);
        };
    }

    /**
     * Tasks named in a comma-separated list of {@link #cliName}s (case-insensitive), in the order given,
     * without repeats; {@code sts} stands for all seven.
     */
    public static List<StsTask> parse(String list) {
        return TaskNames.parse(list, values(), t -> t.cliName, "sts", "STS");
    }
}

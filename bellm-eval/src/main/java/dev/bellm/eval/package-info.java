/**
 * Evaluation of sentence encoders the way SentEval, SimCSE, PromptEOL and BeLLM report it.
 *
 * <p>The model side is one interface, {@link dev.bellm.eval.SentenceEncoder}. {@link dev.bellm.eval.StsEvaluator}
 * scores STS12–16 (the "all" setting), STS-B and SICK-R by the Spearman correlation (×100) of cosine similarity
 * with the gold scores; {@link dev.bellm.eval.TransferEvaluator} fits logistic-regression probes
 * ({@link dev.bellm.eval.LogisticProbe}, liblinear) on MR, CR, SUBJ, MPQA, SST-2, TREC and MRPC. Both return
 * {@link dev.bellm.eval.EvalResults}, which {@link dev.bellm.eval.ResultsJson} writes as JSON (and MTEB-style
 * per-task files) and {@link dev.bellm.eval.ResultsTable} prints as the papers' one-row table.
 *
 * <p>Data comes from the {@code data/} folder of the shared data directory
 * ({@link dev.bellm.eval.DataFiles#defaultDataDir()}); a missing or malformed file is a
 * {@link dev.bellm.eval.DatasetException} naming the file and line.
 */
package dev.bellm.eval;

package dev.bellm.tokenizer;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

/** Checks that a tokenizer encodes the same from many threads at once as from one. */
final class ConcurrentEncoding {
    private static final int THREADS = 8;
    private static final int ROUNDS = 50;

    private ConcurrentEncoding() {}

    static void assertSameAsSequential(Tokenizer tokenizer, List<String> texts) throws Exception {
        List<int[]> expected = texts.stream().map(tokenizer::encode).toList();
        CountDownLatch start = new CountDownLatch(1);
        try (ExecutorService pool = Executors.newFixedThreadPool(THREADS)) {
            List<Future<List<int[]>>> results = new ArrayList<>();
            for (int t = 0; t < THREADS; t++) {
                int offset = t; // each thread walks the texts from a different starting point
                results.add(pool.submit(() -> {
                    start.await();
                    List<int[]> got = new ArrayList<>(texts.size());
                    for (int i = 0; i < texts.size(); i++) got.add(null);
                    for (int round = 0; round < ROUNDS; round++) {
                        for (int k = 0; k < texts.size(); k++) {
                            int i = (k + offset + round) % texts.size();
                            int[] ids = tokenizer.encode(texts.get(i));
                            if (round > 0) assertArrayEquals(got.get(i), ids, "round " + round + " of text " + i);
                            got.set(i, ids);
                        }
                    }
                    return got;
                }));
            }
            start.countDown();
            for (Future<List<int[]>> result : results) {
                List<int[]> got = result.get();
                for (int i = 0; i < texts.size(); i++) assertArrayEquals(expected.get(i), got.get(i), "text " + i);
            }
        }
    }
}

package dev.bellm.cli;

import dev.bellm.explain.SimilarityExplainer.Explanation;
import dev.bellm.explain.SimilarityExplainer.Sequence;
import dev.bellm.explain.SimilarityExplainer.Token;
import dev.bellm.io.AtomicFiles;

import javax.imageio.ImageIO;
import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * PNG heatmaps of {@code bellm explain} (Java2D): token attributions of both sentences, one panel per encoder, and a
 * layer's attention map (averaged over heads) of sentence A, one panel per encoder, side by side.
 */
final class ExplainPlots {
    private ExplainPlots() {}

    private static final Font FONT = new Font(Font.SANS_SERIF, Font.PLAIN, 13), BOLD = FONT.deriveFont(Font.BOLD, 15f);
    private static final int CELL = 26, MARGIN = 20;

    /** Tokens as coloured boxes (red: raises the similarity, blue: lowers it; one colour scale for every panel). */
    static void attributions(Path png, Map<String, Explanation> byEncoder) throws IOException {
        double max = 1e-12;
        int widest = 0;
        for (Explanation e : byEncoder.values()) {
            for (Sequence s : List.of(e.a(), e.b())) {
                widest = Math.max(widest, s.tokens().size());
                for (Token t : s.tokens()) max = Math.max(max, Math.abs(t.attribution()));
            }
        }
        int box = 78, panelW = widest * box, panelH = 2 * 70 + 40;
        int width = MARGIN * 2 + panelW, height = MARGIN + byEncoder.size() * (panelH + 30) + 30;
        BufferedImage image = canvas(width, height);
        Graphics2D g = graphics(image);
        int y = MARGIN;
        for (Map.Entry<String, Explanation> entry : byEncoder.entrySet()) {
            Explanation e = entry.getValue();
            g.setFont(BOLD);
            g.setColor(Color.BLACK);
            g.drawString(String.format(Locale.ROOT, "%s: cos %.4f, baseline %.4f, sum of attributions %.4f (completeness error %.1e, %d steps)",
                    entry.getKey(), e.similarity(), e.baselineSimilarity(), e.attributionSum(), e.completenessError(), e.steps()), MARGIN, y + 15);
            y += 30;
            for (Sequence s : List.of(e.a(), e.b())) {
                for (int i = 0; i < s.tokens().size(); i++) {
                    Token t = s.tokens().get(i);
                    int x = MARGIN + i * box;
                    g.setColor(t.inSentence() ? diverging(t.attribution() / max) : new Color(235, 235, 235));
                    g.fillRect(x, y, box - 2, 44);
                    g.setColor(Color.BLACK);
                    g.setFont(FONT);
                    g.drawString(label(t, 9), x + 3, y + 18);
                    g.drawString(t.inSentence() ? String.format(Locale.ROOT, "%+.3f", t.attribution()) : "prompt", x + 3, y + 37);
                }
                y += 70;
            }
            y += 10;
        }
        g.setFont(FONT);
        g.setColor(Color.DARK_GRAY);
        g.drawString("red raises the cosine, blue lowers it (scale: |attribution| " + String.format(Locale.ROOT, "%.3f", max)
                + " = full colour); grey tokens are kept in the baseline", MARGIN, height - 12);
        write(png, image);
    }

    /** One layer's head-averaged attention of sentence A: rows are queries, columns keys, darker is more weight. */
    static void attention(Path png, int layer, Map<String, Explanation> byEncoder, int layerIndex) throws IOException {
        int n = byEncoder.values().iterator().next().a().tokens().size();
        int label = 90, panel = label + n * CELL + MARGIN;
        int width = MARGIN + byEncoder.size() * panel, height = MARGIN + 30 + label + n * CELL + MARGIN + 20;
        BufferedImage image = canvas(width, height);
        Graphics2D g = graphics(image);
        int x0 = MARGIN;
        for (Map.Entry<String, Explanation> entry : byEncoder.entrySet()) {
            Sequence s = entry.getValue().a();
            float[][][] heads = s.attention()[layerIndex];
            g.setFont(BOLD);
            g.setColor(Color.BLACK);
            g.drawString(entry.getKey() + ", layer " + layer + " (mean of " + heads.length + " heads)", x0, MARGIN + 15);
            int top = MARGIN + 30 + label, left = x0 + label;
            g.setFont(FONT);
            for (int q = 0; q < n; q++) {
                String piece = label(s.tokens().get(q), 10);
                g.setColor(Color.BLACK);
                g.drawString(piece, x0, top + q * CELL + 17);
                Graphics2D r = (Graphics2D) g.create();
                r.translate(left + q * CELL + 17, top - 4);
                r.rotate(-Math.PI / 2);
                r.drawString(piece, 0, 0);
                r.dispose();
                for (int k = 0; k < n; k++) {
                    double p = 0;
                    for (float[][] head : heads) p += head[q][k];
                    p /= heads.length;
                    int shade = (int) Math.round(255 * (1 - Math.sqrt(p))); // sqrt: small weights stay visible
                    g.setColor(new Color(shade, shade, 255));
                    g.fillRect(left + k * CELL, top + q * CELL, CELL - 1, CELL - 1);
                }
            }
            g.setColor(Color.GRAY);
            g.setStroke(new BasicStroke(1));
            g.drawRect(left - 1, top - 1, n * CELL, n * CELL);
            x0 += panel;
        }
        g.setColor(Color.DARK_GRAY);
        g.drawString("rows: queries, columns: keys; shade ~ sqrt(weight). Causal layers are empty above the diagonal.", MARGIN,
                height - 10);
        write(png, image);
    }

    private static Color diverging(double v) {
        v = Math.max(-1, Math.min(1, v));
        int fade = (int) Math.round(255 * (1 - Math.abs(v)));
        return v >= 0 ? new Color(255, fade, fade) : new Color(fade, fade, 255);
    }

    /** The token's text, or its id in angle brackets when it has no visible text (BOS, a lone space). */
    private static String label(Token t, int max) {
        String p = t.piece().replace("\n", "\\n");
        if (p.isBlank()) p = "<" + t.id() + ">";
        return p.length() <= max ? p : p.substring(0, max - 1) + "…";
    }

    private static BufferedImage canvas(int w, int h) {
        return new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
    }

    private static Graphics2D graphics(BufferedImage image) {
        Graphics2D g = image.createGraphics();
        g.setRenderingHint(RenderingHints.KEY_TEXT_ANTIALIASING, RenderingHints.VALUE_TEXT_ANTIALIAS_ON);
        g.setColor(Color.WHITE);
        g.fillRect(0, 0, image.getWidth(), image.getHeight());
        return g;
    }

    private static void write(Path png, BufferedImage image) throws IOException {
        AtomicFiles.write(png, out -> ImageIO.write(image, "png", out));
    }
}

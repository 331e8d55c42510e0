package dev.bellm.embed.stream;

import com.fasterxml.jackson.core.JsonEncoding;
import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Base64;
import java.util.List;

/**
 * JSON Lines, one object per text: {@code {"index", "line", "id"?, "tokens", "embedding"}}. The embedding is an
 * array of floats, or with {@link Encoding#BASE64} the base64 of its little-endian float32 bytes (as in the
 * OpenAI API's {@code encoding_format=base64}): a third of the size, exact.
 */
public final class JsonLinesSink implements EmbeddingSink {
    public enum Encoding { FLOAT, BASE64 }

    private final OutputStream out;
    private final JsonGenerator json;
    private final Encoding encoding;
    private long index;

    public JsonLinesSink(OutputStream out, Encoding encoding) throws IOException {
        this.out = out;
        this.encoding = encoding;
        this.json = new JsonFactory().disable(JsonGenerator.Feature.AUTO_CLOSE_TARGET).createGenerator(out, JsonEncoding.UTF8);
        json.setRootValueSeparator(null);
    }

    @Override
    public void write(List<TextRecord> records, float[][] vectors, int[] tokenCounts) throws IOException {
        for (int i = 0; i < records.size(); i++) {
            TextRecord r = records.get(i);
            json.writeStartObject();
            json.writeNumberField("index", index++);
            json.writeNumberField("line", r.line());
            if (r.id() != null) json.writeStringField("id", r.id());
            json.writeNumberField("tokens", tokenCounts[i]);
            json.writeFieldName("embedding");
            if (encoding == Encoding.BASE64) {
                json.writeString(base64(vectors[i]));
            } else {
                json.writeStartArray();
                for (float x : vectors[i]) json.writeNumber(x);
                json.writeEndArray();
            }
            json.writeEndObject();
            json.writeRaw('\n');
        }
        json.flush();
        out.flush();
    }

    /** Base64 of the vector's little-endian float32 bytes. */
    public static String base64(float[] v) {
        ByteBuffer b = ByteBuffer.allocate(v.length * Float.BYTES).order(ByteOrder.LITTLE_ENDIAN);
        b.asFloatBuffer().put(v);
        return Base64.getEncoder().encodeToString(b.array());
    }

    @Override
    public void finish() throws IOException {
        json.flush();
        out.flush();
    }
}

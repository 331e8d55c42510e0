package dev.bellm.model;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** {@link AttentionLayers#firstLayers}: the attention of a model cut to its first layers (a pruned student). */
class AttentionLayersTest {
    @Test
    void keptLayersAttendAsTheyDidInTheShortestForm() {
        // BeLLM top layer of five: two kept layers are both causal
        assertEquals(AttentionLayers.causal(), AttentionLayers.bidirectionalFrom(4).firstLayers(2));
        // from 1 of five: layer 1 of the two kept stays bidirectional
        assertEquals(AttentionLayers.bidirectionalFrom(1), AttentionLayers.bidirectionalFrom(1).firstLayers(2));
        assertEquals(AttentionLayers.bidirectional(), AttentionLayers.bidirectional().firstLayers(3));
        assertEquals(AttentionLayers.causal(), AttentionLayers.causal().firstLayers(3));
        // a mask [c, b, c, b]: the first three keep their shape as a mask, the first two become a suffix
        AttentionLayers mask = AttentionLayers.ofLayers(false, true, false, true);
        assertEquals(AttentionLayers.ofLayers(false, true, false), mask.firstLayers(3));
        assertEquals(AttentionLayers.bidirectionalFrom(1), mask.firstLayers(2));
    }

    @Test
    void aMaskCannotKeepMoreLayersThanItHas() {
        assertThrows(IllegalArgumentException.class, () -> AttentionLayers.ofLayers(true, true).firstLayers(3));
        assertThrows(IllegalArgumentException.class, () -> AttentionLayers.causal().firstLayers(0));
    }
}

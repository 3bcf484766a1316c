#!/usr/bin/env python3
"""Exports Salesforce/blip-image-captioning-base to the ONNX layout the captioner loads.

No official ONNX export of BLIP captioning exists. Run this once on a machine with the Python
packages below; it writes a model folder the captioner serves as-is:

    pip install "torch>=2.1" "transformers>=4.38,<5" "onnx>=1.15" onnxruntime   # + "optimum>=1.17" for --merge
    python export_blip.py --out <MODELS_DIR>/Salesforce/blip-image-captioning-base

Output (the same convention as the Optimum exports of ViT-GPT2):

    config.json  generation_config.json  preprocessor_config.json
    tokenizer.json  tokenizer_config.json  special_tokens_map.json  vocab.txt
    onnx/encoder_model.onnx            vision model
    onnx/decoder_model.onnx            text decoder, first step (no past)
    onnx/decoder_with_past_model.onnx  text decoder, later steps (past key/values)
    onnx/decoder_model_merged.onnx     only with --merge: both in one file (optimum's If-node merge)

The separate files are the default because the captioner splits the image-only part (the
cross-attention keys/values) off the with-past graph and runs it once per image, which it cannot
do inside an If node; the merged file saves memory when served by other runtimes.

Graph signatures (B = batch, S = new tokens, P = past length, L = 12 layers, V = 30524):

  encoder_model.onnx
    in   pixel_values           float32 [B, 3, 384, 384]
    out  last_hidden_state      float32 [B, 577, 768]        (1 class token + 24 x 24 patches)

  decoder_model.onnx (no past)
    in   input_ids              int64   [B, S]
         encoder_hidden_states  float32 [B, 577, 768]
    out  logits                 float32 [B, S, V]
         present.{i}.key        float32 [B, 12, S, 64]       for i in 0..L-1 (self-attention only:
         present.{i}.value      float32 [B, 12, S, 64]        BLIP recomputes cross-attention)

  decoder_with_past_model.onnx
    in   input_ids [B, S], encoder_hidden_states [B, 577, 768],
         past_key_values.{i}.key / .value   float32 [B, 12, P, 64]
    out  logits [B, S, V], present.{i}.key / .value [B, 12, P + S, 64]

  decoder_model_merged.onnx = both, selected by an extra input
         use_cache_branch       bool    [1]    false: first step (past inputs ignored; feed [B, 12, 0, 64]
                                               or any shape), true: later steps

No attention_mask input: a caption is one unpadded sequence, and BLIP's text model builds the
all-ones mask of length P + S itself. This is exactly the decoder signature of the Optimum
export of nlpconnect/vit-gpt2-image-captioning, so one loader serves both (and the test fixtures
in tools/src/fixtures/blip.ts mirror it).

Decoding (what the captioner does, and what BlipForConditionalGeneration.generate does):
the sequence starts with [DEC] (bos_token_id 30522) and ends at [SEP] (sep_token_id 102);
unconditional captioning (no "a picture of" prompt). generation_config.json records these ids
and transformers' defaults (max_length 20, num_beams 1).
"""
import argparse
import json
import shutil
from pathlib import Path

import torch
from transformers import BlipForConditionalGeneration, BlipProcessor

MODEL_ID = "Salesforce/blip-image-captioning-base"
OPSET = 17


class VisionEncoder(torch.nn.Module):
    def __init__(self, model):
        super().__init__()
        self.vision = model.vision_model

    def forward(self, pixel_values):
        return self.vision(pixel_values=pixel_values, return_dict=True).last_hidden_state


class TextDecoder(torch.nn.Module):
    """BlipTextLMHeadModel with past key/values flattened into named tensors."""

    def __init__(self, model, with_past):
        super().__init__()
        self.text = model.text_decoder
        self.with_past = with_past

    def forward(self, input_ids, encoder_hidden_states, *past):
        past_key_values = None
        if self.with_past:
            past_key_values = tuple((past[2 * i], past[2 * i + 1]) for i in range(len(past) // 2))
        out = self.text(
            input_ids=input_ids,
            encoder_hidden_states=encoder_hidden_states,
            past_key_values=past_key_values,
            use_cache=True,
            return_dict=True,
        )
        pkv = out.past_key_values
        if hasattr(pkv, "to_legacy_cache"):  # transformers Cache objects (4.4x)
            pkv = pkv.to_legacy_cache()
        flat = []
        for layer in pkv:
            flat += [layer[0], layer[1]]  # self-attention key, value
        return (out.logits, *flat)


def export_encoder(model, cfg, out: Path) -> None:
    size = cfg.vision_config.image_size
    dummy = torch.randn(1, 3, size, size)
    torch.onnx.export(
        VisionEncoder(model),
        (dummy,),
        out,
        input_names=["pixel_values"],
        output_names=["last_hidden_state"],
        dynamic_axes={"pixel_values": {0: "batch_size"}, "last_hidden_state": {0: "batch_size"}},
        opset_version=OPSET,
        do_constant_folding=True,
    )


def export_decoder(model, cfg, out: Path, with_past: bool) -> None:
    text = cfg.text_config
    layers, heads = text.num_hidden_layers, text.num_attention_heads
    head_dim = text.hidden_size // heads
    vis = cfg.vision_config
    enc_len = (vis.image_size // vis.patch_size) ** 2 + 1
    batch, seq, past_len = 2, 3, 4 if with_past else 0
    input_ids = torch.randint(0, text.vocab_size, (batch, seq))
    encoder_hidden_states = torch.randn(batch, enc_len, vis.hidden_size)
    past = []
    names_in = ["input_ids", "encoder_hidden_states"]
    names_out = ["logits"]
    axes = {
        "input_ids": {0: "batch_size", 1: "decoder_sequence_length"},
        "encoder_hidden_states": {0: "batch_size", 1: "encoder_sequence_length"},
        "logits": {0: "batch_size", 1: "decoder_sequence_length"},
    }
    for i in range(layers):
        for kind in ("key", "value"):
            names_out.append(f"present.{i}.{kind}")
            axes[f"present.{i}.{kind}"] = {0: "batch_size", 2: "past_decoder_sequence_length + decoder_sequence_length"}
            if with_past:
                past.append(torch.randn(batch, heads, past_len, head_dim))
                names_in.append(f"past_key_values.{i}.{kind}")
                axes[f"past_key_values.{i}.{kind}"] = {0: "batch_size", 2: "past_decoder_sequence_length"}
    torch.onnx.export(
        TextDecoder(model, with_past),
        (input_ids, encoder_hidden_states, *past),
        out,
        input_names=names_in,
        output_names=names_out,
        dynamic_axes=axes,
        opset_version=OPSET,
        do_constant_folding=True,
    )


def merge(onnx_dir: Path) -> None:
    """Also writes decoder_model_merged.onnx (optimum's merge_decoders; the separate files stay)."""
    from optimum.onnx import merge_decoders

    merge_decoders(
        str(onnx_dir / "decoder_model.onnx"),
        str(onnx_dir / "decoder_with_past_model.onnx"),
        save_path=str(onnx_dir / "decoder_model_merged.onnx"),
        strict=False,
    )


def check(model, processor, out: Path) -> None:
    """Compares the exported encoder + first decoder step with PyTorch on a dummy image."""
    import numpy as np
    import onnxruntime as ort
    from PIL import Image

    image = Image.fromarray((np.random.default_rng(0).random((300, 400, 3)) * 255).astype(np.uint8))
    pixel_values = processor(images=image, return_tensors="pt").pixel_values
    with torch.no_grad():
        ref = model.vision_model(pixel_values=pixel_values).last_hidden_state.numpy()
    enc = ort.InferenceSession(str(out / "onnx/encoder_model.onnx"))
    got = enc.run(["last_hidden_state"], {"pixel_values": pixel_values.numpy()})[0]
    print(f"encoder max abs diff vs PyTorch: {np.abs(got - ref).max():.2e}")
    with torch.no_grad():
        ids = model.generate(pixel_values=pixel_values, max_new_tokens=20)
    print("PyTorch greedy caption:", processor.decode(ids[0], skip_special_tokens=True))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--model", default=MODEL_ID, help="Hub id or local folder (default %(default)s)")
    ap.add_argument("--out", required=True, type=Path, help="model folder to write (…/Salesforce/blip-image-captioning-base)")
    ap.add_argument("--merge", action="store_true", help="also write decoder_model_merged.onnx (needs optimum)")
    ap.add_argument("--no-check", action="store_true", help="skip the onnxruntime comparison at the end")
    args = ap.parse_args()

    processor = BlipProcessor.from_pretrained(args.model)
    model = BlipForConditionalGeneration.from_pretrained(args.model).eval()
    cfg = model.config
    onnx_dir = args.out / "onnx"
    onnx_dir.mkdir(parents=True, exist_ok=True)

    # Tokenizer (tokenizer.json via the fast tokenizer), image processor and model config.
    processor.save_pretrained(args.out)
    cfg.save_pretrained(args.out)
    text = cfg.text_config
    generation = {
        "decoder_start_token_id": text.bos_token_id,  # [DEC] = 30522
        "bos_token_id": text.bos_token_id,
        "eos_token_id": text.sep_token_id,  # [SEP] = 102
        "pad_token_id": text.pad_token_id,
        "max_length": 20,
        "num_beams": 1,
        "exported_by": "services/captioner/export/export_blip.py",
    }
    (args.out / "generation_config.json").write_text(json.dumps(generation, indent=2) + "\n")

    with torch.no_grad():
        export_encoder(model, cfg, onnx_dir / "encoder_model.onnx")
        export_decoder(model, cfg, onnx_dir / "decoder_model.onnx", with_past=False)
        export_decoder(model, cfg, onnx_dir / "decoder_with_past_model.onnx", with_past=True)
    if args.merge:
        merge(onnx_dir)
    for extra in ("vocab.txt",):
        src = Path(processor.tokenizer.name_or_path) / extra
        if src.exists() and not (args.out / extra).exists():
            shutil.copy(src, args.out / extra)
    if not args.no_check:
        check(model, processor, args.out)
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()

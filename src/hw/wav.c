/* Minimal WAV (RIFF/WAVE) reader and writer: PCM 16-bit, G.711 A-law/µ-law
 * 8-bit and Microsoft IMA-ADPCM (format tag 0x11). Every size read from the
 * file is checked against the buffer before use; the reader is strict about
 * the fields that decoding depends on. Little-endian on every host. */
#include <string.h>

#include "common/lq_internal.h"
#include "hw/adpcm_internal.h"
#include "hw/g711_scalar.h"

static uint32_t rd16(const uint8_t* p) { return (uint32_t)p[0] | ((uint32_t)p[1] << 8); }
static uint32_t rd32(const uint8_t* p) { return rd16(p) | (rd16(p + 2) << 16); }
static uint8_t* wr16(uint8_t* p, uint32_t v) {
  p[0] = (uint8_t)v;
  p[1] = (uint8_t)(v >> 8);
  return p + 2;
}
static uint8_t* wr32(uint8_t* p, uint32_t v) { return wr16(wr16(p, v & 0xFFFF), v >> 16); }

#define LQ_WAV_MAX_CHANNELS 8u

/* Per channel: 4 header bytes, then 4-byte groups of 8 codes. */
static int adpcm_block_ok(uint32_t block_align, uint32_t ch) {
  return block_align > 4 * ch && block_align % (4 * ch) == 0;
}
static uint32_t adpcm_spb(uint32_t block_align, uint32_t ch) { return (block_align / ch - 4) * 2 + 1; }

lq_status lq_wav_parse(const uint8_t* buf, size_t len, lq_wav_info* info) {
  LQ_REQUIRE_PTR(buf);
  LQ_REQUIRE_PTR(info);
  memset(info, 0, sizeof *info);
  if (len < 12 || memcmp(buf, "RIFF", 4) != 0 || memcmp(buf + 8, "WAVE", 4) != 0)
    return lq_fail(LQ_ERR_FORMAT, "not a RIFF/WAVE file");
  uint64_t riff_end = (uint64_t)rd32(buf + 4) + 8;
  if (riff_end < 12) return lq_fail(LQ_ERR_FORMAT, "RIFF size %u is too small", (unsigned)rd32(buf + 4));
  if (riff_end > len)
    return lq_fail(LQ_ERR_FORMAT, "RIFF size says %llu bytes but the file has %zu (truncated?)",
                   (unsigned long long)riff_end, len);
  int have_fmt = 0, have_data = 0, have_fact = 0;
  uint32_t tag = 0, ch = 0, rate = 0, avg = 0, align = 0, bits = 0, spb = 1, fact = 0;
  size_t pos = 12;
  while (pos < riff_end) {
    if (riff_end - pos < 8) return lq_fail(LQ_ERR_FORMAT, "truncated chunk header at offset %zu", pos);
    const uint8_t* h = buf + pos;
    uint32_t size = rd32(h + 4);
    if ((uint64_t)size > riff_end - pos - 8)
      return lq_fail(LQ_ERR_FORMAT, "chunk '%.4s' at offset %zu has size %u past the end of the file", (const char*)h,
                     pos, (unsigned)size);
    const uint8_t* p = h + 8;
    if (memcmp(h, "fmt ", 4) == 0) {
      if (have_fmt) return lq_fail(LQ_ERR_FORMAT, "duplicate fmt chunk");
      if (size < 16) return lq_fail(LQ_ERR_FORMAT, "fmt chunk of %u bytes (need >= 16)", (unsigned)size);
      have_fmt = 1;
      tag = rd16(p);
      ch = rd16(p + 2);
      rate = rd32(p + 4);
      avg = rd32(p + 8);
      align = rd16(p + 12);
      bits = rd16(p + 14);
      if (ch == 0) return lq_fail(LQ_ERR_FORMAT, "fmt: 0 channels");
      if (rate == 0) return lq_fail(LQ_ERR_FORMAT, "fmt: sample rate 0");
      if (ch > LQ_WAV_MAX_CHANNELS) return lq_fail(LQ_ERR_UNSUPPORTED, "fmt: %u channels (at most 8 supported)", (unsigned)ch);
      if (tag == LQ_WAV_PCM16) {
        if (bits != 16) return lq_fail(LQ_ERR_UNSUPPORTED, "PCM with %u bits per sample (only 16 supported)", (unsigned)bits);
        if (align != 2 * ch) return lq_fail(LQ_ERR_FORMAT, "PCM16 block_align %u != 2*channels", (unsigned)align);
      } else if (tag == LQ_WAV_ULAW || tag == LQ_WAV_ALAW) {
        if (bits != 8) return lq_fail(LQ_ERR_FORMAT, "G.711 with %u bits per sample (must be 8)", (unsigned)bits);
        if (align != ch) return lq_fail(LQ_ERR_FORMAT, "G.711 block_align %u != channels", (unsigned)align);
      } else if (tag == LQ_WAV_IMA_ADPCM) {
        if (bits != 4) return lq_fail(LQ_ERR_FORMAT, "IMA-ADPCM with %u bits per sample (must be 4)", (unsigned)bits);
        if (!adpcm_block_ok(align, ch))
          return lq_fail(LQ_ERR_FORMAT, "IMA-ADPCM block_align %u is not a multiple of 4*channels above 4*channels",
                         (unsigned)align);
        if (size < 20 || rd16(p + 16) < 2) return lq_fail(LQ_ERR_FORMAT, "IMA-ADPCM fmt chunk lacks samples-per-block");
        spb = rd16(p + 18);
        if (spb != adpcm_spb(align, ch))
          return lq_fail(LQ_ERR_FORMAT, "IMA-ADPCM samples_per_block %u does not match block_align %u (expected %u)",
                         (unsigned)spb, (unsigned)align, (unsigned)adpcm_spb(align, ch));
      } else {
        return lq_fail(LQ_ERR_UNSUPPORTED, "WAV format tag 0x%x (supported: 1 PCM16, 6 A-law, 7 mu-law, 0x11 IMA-ADPCM)",
                       (unsigned)tag);
      }
      if (tag != LQ_WAV_IMA_ADPCM && (uint64_t)avg != (uint64_t)rate * align)
        return lq_fail(LQ_ERR_FORMAT, "fmt: bytes/second %u != rate*block_align", (unsigned)avg);
    } else if (memcmp(h, "fact", 4) == 0) {
      if (size < 4) return lq_fail(LQ_ERR_FORMAT, "fact chunk of %u bytes (need 4)", (unsigned)size);
      have_fact = 1;
      fact = rd32(p);
    } else if (memcmp(h, "data", 4) == 0) {
      if (!have_fmt) return lq_fail(LQ_ERR_FORMAT, "data chunk before fmt chunk");
      if (have_data) return lq_fail(LQ_ERR_FORMAT, "duplicate data chunk");
      have_data = 1;
      info->data_offset = pos + 8;
      info->data_bytes = size;
    }
    pos += 8 + (size_t)size + (size & 1);
  }
  if (!have_fmt) return lq_fail(LQ_ERR_FORMAT, "no fmt chunk");
  if (!have_data) return lq_fail(LQ_ERR_FORMAT, "no data chunk");
  size_t db = info->data_bytes;
  uint64_t frames;
  if (tag == LQ_WAV_IMA_ADPCM) {
    size_t full = db / align, rem = db % align;
    if (rem != 0 && (rem <= 4 * ch || rem % (4 * ch) != 0))
      return lq_fail(LQ_ERR_FORMAT, "IMA-ADPCM data of %zu bytes ends in a partial block of %zu bytes", db, rem);
    frames = (uint64_t)full * spb + (rem ? (uint64_t)(rem / ch - 4) * 2 + 1 : 0);
    if (have_fact) {
      if (fact > frames)
        return lq_fail(LQ_ERR_FORMAT, "fact says %u frames but the data holds %llu", (unsigned)fact,
                       (unsigned long long)frames);
      frames = fact;
    }
  } else {
    if (db % align != 0) return lq_fail(LQ_ERR_FORMAT, "data size %zu is not a multiple of block_align %u", db, (unsigned)align);
    frames = db / align;
  }
  info->format = (lq_wav_format)tag;
  info->channels = ch;
  info->sample_rate = rate;
  info->block_align = align;
  info->samples_per_block = spb;
  info->frames = frames;
  return LQ_OK;
}

/* One IMA-ADPCM block of `count` frames (count <= spb) into pcm (interleaved). */
static lq_status adpcm_decode_block(const uint8_t* blk, uint32_t ch, uint64_t count, int16_t* pcm) {
  for (uint32_t c = 0; c < ch; c++) {
    const uint8_t* hdr = blk + 4 * c;
    int32_t vp = (int16_t)rd16(hdr), idx = hdr[2];
    if (idx > 88) return lq_fail(LQ_ERR_FORMAT, "IMA-ADPCM block header step index %d > 88", (int)idx);
    pcm[c] = (int16_t)vp;
    const uint8_t* d = blk + 4 * ch + 4 * c;
    for (uint64_t s = 1; s < count; s += 8, d += 4 * ch) {
      for (int k = 0; k < 8 && s + (uint64_t)k < count; k++) {
        int32_t code = (d[k >> 1] >> ((k & 1) * 4)) & 0xF; /* low nibble first */
        pcm[(s + (uint64_t)k) * ch + c] = lq_ima_decode_step(code, &vp, &idx);
      }
    }
  }
  return LQ_OK;
}

lq_status lq_wav_decode(const uint8_t* buf, size_t len, const lq_wav_info* info, int16_t* pcm, size_t cap) {
  LQ_REQUIRE_PTR(buf);
  LQ_REQUIRE_PTR(info);
  if (info->data_offset > len || info->data_bytes > len - info->data_offset)
    return lq_fail(LQ_ERR_INVALID_ARG, "lq_wav_decode: info does not describe this buffer");
  size_t total = 0;
  if (info->channels == 0 || info->channels > LQ_WAV_MAX_CHANNELS || info->frames > SIZE_MAX ||
      lq_mul_overflows((size_t)info->frames, info->channels, &total))
    return lq_fail(LQ_ERR_INVALID_ARG, "lq_wav_decode: bad info (channels %u, frames %llu)", (unsigned)info->channels,
                   (unsigned long long)info->frames);
  if (cap < total) return lq_fail(LQ_ERR_BUFFER_TOO_SMALL, "lq_wav_decode: need %zu samples, have %zu", total, cap);
  if (total > 0) LQ_REQUIRE_PTR(pcm);
  const uint8_t* d = buf + info->data_offset;
  switch (info->format) {
    case LQ_WAV_PCM16:
      if (info->data_bytes / 2 < total) return lq_fail(LQ_ERR_INVALID_ARG, "lq_wav_decode: info/data mismatch");
      for (size_t i = 0; i < total; i++) pcm[i] = (int16_t)rd16(d + 2 * i);
      return LQ_OK;
    case LQ_WAV_ULAW:
    case LQ_WAV_ALAW:
      if (info->data_bytes < total) return lq_fail(LQ_ERR_INVALID_ARG, "lq_wav_decode: info/data mismatch");
      return info->format == LQ_WAV_ULAW ? lq_g711_ulaw_decode(d, total, pcm) : lq_g711_alaw_decode(d, total, pcm);
    case LQ_WAV_IMA_ADPCM: {
      uint32_t ch = info->channels, align = info->block_align, spb = info->samples_per_block;
      if (!adpcm_block_ok(align, ch) || spb != adpcm_spb(align, ch))
        return lq_fail(LQ_ERR_INVALID_ARG, "lq_wav_decode: bad IMA-ADPCM block layout in info");
      uint64_t done = 0;
      size_t off = 0;
      while (done < info->frames) {
        uint64_t count = info->frames - done < spb ? info->frames - done : spb;
        /* bytes this block needs: header + ceil((count-1)/8) groups */
        size_t need = 4 * (size_t)ch * (1 + (size_t)((count - 1 + 7) / 8));
        if (off > info->data_bytes || info->data_bytes - off < need)
          return lq_fail(LQ_ERR_INVALID_ARG, "lq_wav_decode: info/data mismatch");
        LQ_CHECK(adpcm_decode_block(d + off, ch, count, pcm + done * ch));
        done += count;
        off += align;
      }
      return LQ_OK;
    }
    default:
      return lq_fail(LQ_ERR_INVALID_ARG, "lq_wav_decode: unknown format %d", (int)info->format);
  }
}

static lq_status layout(lq_wav_format format, uint32_t ch, uint64_t frames, uint32_t* align_io, uint64_t* data_out,
                        uint32_t* fmt_size_out, uint32_t* spb_out) {
  if (ch == 0 || ch > LQ_WAV_MAX_CHANNELS) return lq_fail(LQ_ERR_INVALID_ARG, "WAV: %u channels (1..8 supported)", (unsigned)ch);
  if (frames > UINT32_MAX) return lq_fail(LQ_ERR_OVERFLOW, "WAV: %llu frames do not fit a RIFF file", (unsigned long long)frames);
  switch (format) {
    case LQ_WAV_PCM16:
      *align_io = 2 * ch;
      *data_out = frames * 2 * ch;
      *fmt_size_out = 16;
      *spb_out = 1;
      return LQ_OK;
    case LQ_WAV_ULAW:
    case LQ_WAV_ALAW:
      *align_io = ch;
      *data_out = frames * ch;
      *fmt_size_out = 18;
      *spb_out = 1;
      return LQ_OK;
    case LQ_WAV_IMA_ADPCM: {
      uint32_t a = *align_io ? *align_io : 256 * ch;
      if (!adpcm_block_ok(a, ch) || a > 0xFFFF)
        return lq_fail(LQ_ERR_INVALID_ARG, "WAV: IMA-ADPCM block_align %u must be a multiple of 4*channels, above it, <= 65535",
                       (unsigned)a);
      uint32_t spb = adpcm_spb(a, ch);
      *align_io = a;
      *spb_out = spb;
      *data_out = (frames + spb - 1) / spb * a;
      *fmt_size_out = 20;
      return LQ_OK;
    }
    default:
      return lq_fail(LQ_ERR_INVALID_ARG, "WAV: unknown format %d", (int)format);
  }
}

static lq_status total_size(lq_wav_format format, uint32_t fmt_size, uint64_t data, size_t* out) {
  uint64_t t = 12 + 8 + (uint64_t)fmt_size + (format != LQ_WAV_PCM16 ? 12 : 0) + 8 + data + (data & 1);
  if (t - 8 > UINT32_MAX || t > SIZE_MAX) return lq_fail(LQ_ERR_OVERFLOW, "WAV: %llu bytes exceed the RIFF limit", (unsigned long long)t);
  *out = (size_t)t;
  return LQ_OK;
}

lq_status lq_wav_encoded_size(lq_wav_format format, uint32_t channels, uint64_t frames, uint32_t block_align,
                              size_t* bytes_out) {
  LQ_REQUIRE_PTR(bytes_out);
  uint64_t data = 0;
  uint32_t fmt_size = 0, spb = 0;
  LQ_CHECK(layout(format, channels, frames, &block_align, &data, &fmt_size, &spb));
  return total_size(format, fmt_size, data, bytes_out);
}

static void adpcm_encode_blocks(const int16_t* pcm, uint64_t frames, uint32_t ch, uint32_t align, uint32_t spb,
                                uint8_t* out) {
  int32_t idx[LQ_WAV_MAX_CHANNELS] = {0};
  for (uint64_t start = 0; start < frames; start += spb, out += align) {
    for (uint32_t c = 0; c < ch; c++) {
      /* Frames past the end repeat the last sample. */
#define LQ_SAMPLE(f) pcm[((f) < frames ? (f) : frames - 1) * ch + c]
      int32_t vp = LQ_SAMPLE(start), ix = idx[c];
      uint8_t* hdr = out + 4 * c;
      wr16(hdr, (uint32_t)(uint16_t)vp);
      hdr[2] = (uint8_t)ix;
      hdr[3] = 0;
      uint8_t* d = out + 4 * ch + 4 * c;
      for (uint32_t s = 1; s < spb; s += 8, d += 4 * ch) {
        for (int k = 0; k < 8; k += 2) {
          int32_t lo = lq_ima_encode_step(LQ_SAMPLE(start + s + (uint64_t)k), &vp, &ix);
          int32_t hi = lq_ima_encode_step(LQ_SAMPLE(start + s + (uint64_t)k + 1), &vp, &ix);
          d[k >> 1] = (uint8_t)(lo | (hi << 4));
        }
      }
#undef LQ_SAMPLE
      idx[c] = ix;
    }
  }
}

lq_status lq_wav_encode(const int16_t* pcm, uint64_t frames, uint32_t channels, uint32_t sample_rate,
                        lq_wav_format format, lq_g711_variant ulaw_variant, uint32_t block_align, uint8_t* out,
                        size_t cap, size_t* written_out) {
  LQ_REQUIRE_PTR(out);
  LQ_REQUIRE_PTR(written_out);
  if (frames > 0) LQ_REQUIRE_PTR(pcm);
  if (sample_rate == 0) return lq_fail(LQ_ERR_INVALID_ARG, "lq_wav_encode: sample rate 0");
  if ((unsigned)ulaw_variant >= LQ_G711_VARIANT_COUNT_)
    return lq_fail(LQ_ERR_INVALID_ARG, "lq_wav_encode: unknown mu-law variant %d", (int)ulaw_variant);
  uint64_t data = 0;
  uint32_t fmt_size = 0, spb = 0;
  size_t total = 0;
  LQ_CHECK(layout(format, channels, frames, &block_align, &data, &fmt_size, &spb));
  LQ_CHECK(total_size(format, fmt_size, data, &total));
  if (cap < total) return lq_fail(LQ_ERR_BUFFER_TOO_SMALL, "lq_wav_encode: need %zu bytes, have %zu", total, cap);
  uint8_t* p = out;
  memcpy(p, "RIFF", 4);
  p = wr32(p + 4, (uint32_t)(total - 8));
  memcpy(p, "WAVEfmt ", 8);
  p = wr32(p + 8, fmt_size);
  p = wr16(p, (uint32_t)format);
  p = wr16(p, channels);
  p = wr32(p, sample_rate);
  uint64_t avg = format == LQ_WAV_IMA_ADPCM ? (uint64_t)sample_rate * block_align / spb : (uint64_t)sample_rate * block_align;
  p = wr32(p, avg > UINT32_MAX ? UINT32_MAX : (uint32_t)avg);
  p = wr16(p, block_align);
  p = wr16(p, format == LQ_WAV_PCM16 ? 16 : format == LQ_WAV_IMA_ADPCM ? 4 : 8);
  if (format != LQ_WAV_PCM16) p = wr16(p, format == LQ_WAV_IMA_ADPCM ? 2 : 0);
  if (format == LQ_WAV_IMA_ADPCM) p = wr16(p, spb);
  if (format != LQ_WAV_PCM16) {
    memcpy(p, "fact", 4);
    p = wr32(wr32(p + 4, 4), (uint32_t)frames);
  }
  memcpy(p, "data", 4);
  p = wr32(p + 4, (uint32_t)data);
  size_t ns = (size_t)frames * channels;
  switch (format) {
    case LQ_WAV_PCM16:
      for (size_t i = 0; i < ns; i++) p = wr16(p, (uint32_t)(uint16_t)pcm[i]);
      break;
    case LQ_WAV_ULAW:
      LQ_CHECK(lq_g711_ulaw_encode(pcm, ns, ulaw_variant, p));
      p += ns;
      break;
    case LQ_WAV_ALAW:
      LQ_CHECK(lq_g711_alaw_encode(pcm, ns, p));
      p += ns;
      break;
    default:
      adpcm_encode_blocks(pcm, frames, channels, block_align, spb, p);
      p += data;
      break;
  }
  if (data & 1) *p++ = 0;
  *written_out = (size_t)(p - out);
  return LQ_OK;
}

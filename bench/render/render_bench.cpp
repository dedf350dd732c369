// cardd-render-bench: how long cardd takes to turn one subject into the
// Evolis bytes of one card (both sides, YMCKO): fill the template, render with
// librsvg + cairo (two passes per side), separate into panels in scan order,
// pack Y/M/C (Db, tmpl.colour_levels) and K/O (Dbc), and frame the print
// sequence. Prints ms/card (mean, median, min) per stage; --json prints one
// JSON line. --dump-dir writes what bench/render/separate.py needs to do the
// same work with rsvg-convert (filled SVGs, pass stylesheets, holes) and the
// wire bytes to compare against. See bench/README.md.
//
// usage: cardd-render-bench [--templates DIR] [--id ID] [--photo FILE]
//                           [--cards N] [--warmup N] [--threads 1|2] [--json]
//                           [--dump-dir DIR]
// --threads 2 (default): RenderContext renders and separates the back on its
// own thread while the front is done on the main one; 1: all on one thread.

#include <time.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "printer/evolis/evolis_codec.hpp"
#include "printer/evolis/evolis_raster.hpp"
#include "render/card_renderer.hpp"
#include "render/card_template.hpp"

namespace {

using cardd::CardSubject;
using cardd::drivers::PanelKind;
using cardd::drivers::PreparedCard;
namespace evolis = cardd::drivers::evolis;
namespace render = cardd::render;
using Clock = std::chrono::steady_clock;

// Process CPU time in ms: on a shared machine the fairer measure (the wall
// clock also counts time other processes held the CPU).
double cpuMs() {
  timespec ts{};
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) * 1e3 + static_cast<double>(ts.tv_nsec) / 1e6;
}

#ifndef CARDD_SOURCE_DIR
#define CARDD_SOURCE_DIR "."
#endif

[[noreturn]] void die(const std::string& msg) {
  std::fprintf(stderr, "cardd-render-bench: %s\n", msg.c_str());
  std::exit(1);
}

std::string readFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) die("cannot read " + path);
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

void writeFile(const std::string& path, std::string_view data) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(data.data(), static_cast<std::streamsize>(data.size()));
  if (!out) die("cannot write " + path);
}

// The same fictional person as the render tests.
CardSubject benchSubject(const std::string& photo_path) {
  CardSubject s;
  s.fields = {{"nik", "3171015506900007"},
              {"name", "Siti Contoh Lestari"},
              {"birth_place", "Bandung"},
              {"birth_date", "1990-06-15"},
              {"sex", "PEREMPUAN"},
              {"blood_type", "AB"},
              {"address.street", "Jl. Contoh Raya No. 12"},
              {"address.rt_rw", "003/012"},
              {"address.village", "Sukamaju"},
              {"address.district", "Cibeunying"},
              {"address.city", "Kota Bandung"},
              {"address.province", "Jawa Barat"},
              {"religion", "ISLAM"},
              {"marital_status", "KAWIN"},
              {"occupation", "Karyawan Swasta"},
              {"citizenship", "WNI"},
              {"valid_until", "SEUMUR HIDUP"},
              {"document.number", "X12345678"},
              {"document.issuer", "IDN"},
              {"document.issued", "2026-11-29"},
              {"document.expiry", "2036-11-28"}};
  const std::string photo = readFile(photo_path);
  s.photo_jpeg.assign(photo.begin(), photo.end());
  return s;
}

evolis::PanelCode panelCode(PanelKind kind) {
  switch (kind) {
    case PanelKind::Yellow:
      return evolis::PanelCode::Yellow;
    case PanelKind::Magenta:
      return evolis::PanelCode::Magenta;
    case PanelKind::Cyan:
      return evolis::PanelCode::Cyan;
    case PanelKind::Black:
      return evolis::PanelCode::Black;
    case PanelKind::Overlay:
      break;
  }
  return evolis::PanelCode::Overlay;
}

// The print sequence of one card, Db for colour panels and Dbc for K and O,
// encoded command by command into `wire` (what EvolisDriver does: it encodes
// each command and writes it to the transport; `wire` stands for the
// transport and keeps its capacity from card to card).
void encodeCard(const PreparedCard& card, unsigned levels, evolis::Bytes& wire) {
  wire.clear();
  auto send = [&](const evolis::Command& cmd) {
    auto bytes = evolis::encode(cmd);
    if (!bytes) die(bytes.error().message);
    wire.insert(wire.end(), bytes->begin(), bytes->end());
  };
  send(evolis::setErrorMode(evolis::ErrorMode::Host));
  send(evolis::setRibbon(evolis::Ribbon::Ymcko));
  send(evolis::startSequence());
  for (const auto* set : {&card.front, &card.back}) {
    if (set->empty()) continue;
    send(set == &card.front ? evolis::frontSide() : evolis::backSide());
    for (const auto& p : set->panels) {
      const bool mono = p.kind == PanelKind::Black || p.kind == PanelKind::Overlay;
      auto packed = evolis::packPanel(p.density, mono ? 2 : levels);
      if (!packed) die(packed.error().message);
      if (mono) {
        auto dbc = evolis::compressMono(*packed);
        if (!dbc) die(dbc.error().message);
        auto cmd = evolis::downloadCompressed(panelCode(p.kind), std::move(*dbc));
        if (!cmd) die(cmd.error().message);
        send(*cmd);
      } else {
        auto cmd = evolis::downloadBitmap(panelCode(p.kind), levels, std::move(*packed));
        if (!cmd) die(cmd.error().message);
        send(*cmd);
      }
    }
  }
  send(evolis::endSequence());
}

struct Stats {
  double mean = 0, median = 0, min = 0, max = 0;
};
Stats stats(std::vector<double> v) {
  Stats s;
  if (v.empty()) return s;
  std::sort(v.begin(), v.end());
  double sum = 0;
  for (const double x : v) sum += x;
  s.mean = sum / static_cast<double>(v.size());
  s.median = v[v.size() / 2];
  s.min = v.front();
  s.max = v.back();
  return s;
}

}  // namespace

int main(int argc, char** argv) {
  std::string templates = std::string(CARDD_SOURCE_DIR) + "/config/templates";
  std::string id = "ektp-specimen";
  std::string photo = std::string(CARDD_SOURCE_DIR) + "/tests/render/data/photo.jpg";
  std::string dump_dir;
  int cards = 100, warmup = 3, threads = 2;
  bool json = false;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    auto next = [&]() -> std::string {
      if (i + 1 >= argc) die(a + " needs a value");
      return argv[++i];
    };
    if (a == "--templates") {
      templates = next();
    } else if (a == "--id") {
      id = next();
    } else if (a == "--photo") {
      photo = next();
    } else if (a == "--cards") {
      cards = std::atoi(next().c_str());
    } else if (a == "--warmup") {
      warmup = std::atoi(next().c_str());
    } else if (a == "--threads") {
      threads = std::atoi(next().c_str());
    } else if (a == "--json") {
      json = true;
    } else if (a == "--dump-dir") {
      dump_dir = next();
    } else {
      die("unknown argument " + a +
          " (usage: --templates DIR --id ID --photo FILE --cards N --warmup N --json --dump-dir "
          "DIR)");
    }
  }
  if (cards < 1 || warmup < 0) die("--cards must be >= 1 and --warmup >= 0");
  if (threads != 1 && threads != 2) die("--threads must be 1 or 2");

  auto tmpl = render::CardTemplate::load(templates, id);
  if (!tmpl) die(tmpl.error().message);
  const CardSubject subject = benchSubject(photo);

  // What the daemon's print worker does: one RenderContext and one
  // PreparedCard reused card after card, warmed up at start-up (warmUp():
  // fonts, librsvg, static colour passes). The warm-up and the first --warmup
  // cards are reported apart and not counted.
  render::RenderContext ctx(threads == 2);
  PreparedCard card;
  evolis::Bytes wire;
  const auto w0 = Clock::now();
  if (auto st = ctx.warmUp(*tmpl); !st) die(st.error().message);
  const double warmup_ms = std::chrono::duration<double, std::milli>(Clock::now() - w0).count();
  std::vector<double> render_ms, separate_ms, encode_ms, total_ms;
  std::vector<double> render_cpu, separate_cpu, encode_cpu, total_cpu;
  double first_ms = 0;
  std::size_t wire_bytes = 0;
  evolis::Bytes last_wire;
  for (int i = 0; i < warmup + cards; ++i) {
    const double c0 = cpuMs();
    const auto t0 = Clock::now();
    if (auto st = ctx.render(*tmpl, subject); !st) die(st.error().message);
    const double c1 = cpuMs();
    const auto t1 = Clock::now();
    if (auto st = ctx.separate(*tmpl, card); !st) die(st.error().message);
    const double c2 = cpuMs();
    const auto t2 = Clock::now();
    encodeCard(card, tmpl->colour_levels, wire);
    const double c3 = cpuMs();
    const auto t3 = Clock::now();
    auto ms = [](Clock::time_point a, Clock::time_point b) {
      return std::chrono::duration<double, std::milli>(b - a).count();
    };
    if (i == 0) first_ms = ms(t0, t3);
    if (i >= warmup) {
      render_ms.push_back(ms(t0, t1));
      separate_ms.push_back(ms(t1, t2));
      encode_ms.push_back(ms(t2, t3));
      total_ms.push_back(ms(t0, t3));
      render_cpu.push_back(c1 - c0);
      separate_cpu.push_back(c2 - c1);
      encode_cpu.push_back(c3 - c2);
      total_cpu.push_back(c3 - c0);
    }
    wire_bytes = wire.size();
    if (i + 1 == warmup + cards) last_wire = wire;
  }

  if (!dump_dir.empty()) {
    std::filesystem::create_directories(dump_dir);
    for (const auto side : {render::Side::Front, render::Side::Back}) {
      if (!tmpl->side(side).present) continue;
      auto svg = render::filledSvg(*tmpl, subject, side);
      if (!svg) die(svg.error().message);
      writeFile(dump_dir + "/" + render::sideName(side) + ".svg", *svg);
      std::string holes;
      for (const auto& h : tmpl->side(side).holes) {
        char line[160];
        std::snprintf(line, sizeof line, "%.17g %.17g %.17g %.17g\n", h.x, h.y, h.width, h.height);
        holes += line;
      }
      writeFile(dump_dir + "/" + render::sideName(side) + ".holes", holes);
      writeFile(dump_dir + "/" + render::sideName(side) + ".panels", tmpl->side(side).panels);
    }
    writeFile(dump_dir + "/colour.css", render::kColourPassCss);
    writeFile(dump_dir + "/resin.css", render::kResinPassCss);
    writeFile(dump_dir + "/settings", "levels " + std::to_string(tmpl->colour_levels) +
                                          "\nknockout " + (tmpl->knockout ? "1" : "0") + "\n");
    writeFile(dump_dir + "/expected.bin",
              std::string_view(reinterpret_cast<const char*>(last_wire.data()), last_wire.size()));
  }

  const Stats r = stats(render_ms), s = stats(separate_ms), e = stats(encode_ms),
              t = stats(total_ms);
  const Stats rc = stats(render_cpu), sc = stats(separate_cpu), ec = stats(encode_cpu),
              tc = stats(total_cpu);
  if (json) {
    std::printf(
        "{\"tool\":\"cardd-render-bench\",\"template\":\"%s\",\"threads\":%d,\"cards\":%d,"
        "\"warmup\":%d,"
        "\"warmup_call_ms\":%.3f,\"first_card_ms\":%.3f,\"ms_per_card\":%.3f,\"median_ms\":%.3f,"
        "\"min_ms\":%.3f,"
        "\"max_ms\":%.3f,\"render_ms\":%.3f,\"separate_ms\":%.3f,\"encode_ms\":%.3f,"
        "\"cpu_ms_per_card\":%.3f,\"cpu_median_ms\":%.3f,\"cpu_min_ms\":%.3f,"
        "\"render_cpu_ms\":%.3f,\"separate_cpu_ms\":%.3f,\"encode_cpu_ms\":%.3f,"
        "\"wire_bytes\":%zu}\n",
        id.c_str(), threads, cards, warmup, warmup_ms, first_ms, t.mean, t.median, t.min, t.max,
        r.mean, s.mean, e.mean, tc.mean, tc.median, tc.min, rc.mean, sc.mean, ec.mean, wire_bytes);
  } else {
    std::printf(
        "template %s, %d thread(s), %d cards after warmUp() (%.1f ms) and %d warm-up cards "
        "(first %.1f ms)\n",
        id.c_str(), threads, cards, warmup_ms, warmup, first_ms);
    std::printf("  %-26s %8s %8s %8s %9s %8s\n", "stage (ms/card)", "mean", "median", "min",
                "cpu mean", "cpu min");
    auto row = [](const char* name, const Stats& w, const Stats& c) {
      std::printf("  %-26s %8.2f %8.2f %8.2f %9.2f %8.2f\n", name, w.mean, w.median, w.min, c.mean,
                  c.min);
    };
    row("fill + render (librsvg)", r, rc);
    row("separate (YMCKO, scan)", s, sc);
    row("encode (Db/Dbc, framing)", e, ec);
    row("total", t, tc);
    std::printf("  wire bytes per card: %zu\n", wire_bytes);
  }
  return 0;
}

// cardd-render: the card-rendering helper process of cardd (see
// render_client.hpp). Keeps librsvg, cairo, pango, ICU, the fonts,
// libqrencode and libturbojpeg out of the daemon, and SVG and PNG parsing in
// a process of its own.
//
//   cardd-render --serve            serve requests (render_protocol.hpp) on
//                                   fd 0, a socket; exit when it closes
//   cardd-render --check DIR ID...  load templates with librsvg's check;
//                                   print each problem, exit 1 if any
//
// Templates are loaded on first use and kept; one is loaded again when its
// template.yaml or an SVG changed (size or modification time), so a
// template edited before cardd's SIGHUP renders as the catalogue checked it.
#include <sys/stat.h>

#include <cstdio>
#include <cstring>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "issuance/photo_jpeg.hpp"
#include "render/card_renderer.hpp"
#include "templates/render_protocol.hpp"
#include "templates/render_service.hpp"

namespace {

namespace json = boost::json;
using namespace cardd;

// Size and mtime of the template's files: a changed file means a reload.
std::string fileStamp(const std::string& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) return "-;";
  return std::to_string(st.st_size) + "/" + std::to_string(st.st_mtim.tv_sec) + "." +
         std::to_string(st.st_mtim.tv_nsec) + ";";
}

std::string templateStamp(const std::string& dir, const render::CardTemplate* t) {
  std::string stamp = fileStamp(dir + "/template.yaml");
  if (t != nullptr) {
    for (const auto* side : {&t->front, &t->back}) {
      if (side->present) stamp += fileStamp(dir + "/" + side->file);
    }
  }
  return stamp;
}

class Server {
 public:
  Result<std::shared_ptr<const render::CardTemplate>> find(const std::string& templates_dir,
                                                           const std::string& id) {
    const std::string key = templates_dir + "/" + id;
    if (auto it = cache_.find(key); it != cache_.end()) {
      if (templateStamp(it->second.tmpl->dir, it->second.tmpl.get()) == it->second.stamp)
        return it->second.tmpl;
      cache_.erase(it);
    }
    auto loaded = render::CardTemplate::load(templates_dir, id);
    if (!loaded) return std::move(loaded).error();
    auto tmpl = std::make_shared<const render::CardTemplate>(std::move(loaded).value());
    cache_[key] = Cached{tmpl, templateStamp(tmpl->dir, tmpl.get())};
    return tmpl;
  }

  Status handle(const render_ipc::Message& req) {
    const json::object& h = req.header;
    auto str = [&](std::string_view k) {
      const auto* v = h.if_contains(k);
      return v != nullptr && v->is_string() ? std::string(v->get_string()) : std::string();
    };
    const std::string op = str("op");
    const std::string dir = str("templates_dir");
    if (op == "check") {
      json::array problems;
      if (const auto* ids = h.if_contains("templates"); ids && ids->is_array()) {
        for (const auto& id : ids->get_array()) {
          auto t = find(dir, id.is_string() ? std::string(id.get_string()) : std::string());
          problems.push_back(t ? json::value(nullptr)
                               : json::value(render_ipc::errorToJson(t.error())));
        }
      }
      return render_ipc::writeMessage(0, {{"ok", true}, {"problems", std::move(problems)}}, {});
    }
    if (op == "photo-jpeg") {
      const auto* q = h.if_contains("quality");
      const int quality =
          q != nullptr && q->is_int64() && q->get_int64() >= 1 && q->get_int64() <= 100
              ? static_cast<int>(q->get_int64())
              : DocumentPolicy{}.jpeg_quality;
      auto jpeg = pngToJpeg(req.body, quality);
      if (!jpeg) return fail(jpeg.error());
      return render_ipc::writeMessage(0, {{"ok", true}}, *jpeg);
    }
    auto tmpl = find(dir, str("template"));
    if (!tmpl) return fail(tmpl.error());
    const auto* job = h.if_contains("job_id");
    const std::int64_t job_id = job != nullptr && job->is_int64() ? job->get_int64() : 0;
    const DocumentPolicy policy =
        render_ipc::policyFromJson(h.contains("policy") ? h.at("policy") : json::value());
    const std::string issued = str("issued");
    if (op == "preview") {
      const render::Side side = str("side") == "back" ? render::Side::Back : render::Side::Front;
      auto png = renderJobPreview(**tmpl, req.body, job_id, policy, issued, side);
      if (!png) return fail(png.error());
      return render_ipc::writeMessage(
          0, {{"ok", true}},
          std::string_view(reinterpret_cast<const char*>(png->data()), png->size()));
    }
    if (op == "panels") {
      if (auto st = renderJobPanels(context_, **tmpl, req.body, job_id, policy, issued, card_); !st)
        return fail(st.error());
      json::object reply{{"ok", true}};
      std::string body;
      for (const auto& [key, set] :
           {std::pair<const char*, const drivers::PanelSet*>{"front", &card_.front},
            {"back", &card_.back}}) {
        json::array list;
        for (const auto& p : set->panels) {
          list.push_back({{"kind", static_cast<int>(p.kind)},
                          {"pixels_per_line", p.pixels_per_line},
                          {"lines", p.lines}});
          body.append(reinterpret_cast<const char*>(p.density.data()), p.density.size());
        }
        reply[key] = std::move(list);
      }
      return render_ipc::writeMessage(0, reply, body);
    }
    return fail(Error(ErrorCode::InvalidArgument, "unknown render request '" + op + "'"));
  }

 private:
  static Status fail(const Error& e) {
    return render_ipc::writeMessage(0, {{"ok", false}, {"error", render_ipc::errorToJson(e)}}, {});
  }

  struct Cached {
    std::shared_ptr<const render::CardTemplate> tmpl;
    std::string stamp;
  };
  std::map<std::string, Cached> cache_;
  render::RenderContext context_{false};  // the helper is one worker's: no second thread
  drivers::PreparedCard card_;
};

int serve() {
  Server server;
  for (;;) {
    auto req = render_ipc::readMessage(0);
    if (!req) return req.error().code == ErrorCode::Unavailable ? 0 : 1;  // cardd closed it
    if (auto st = server.handle(*req); !st) return 1;
  }
}

int check(const std::string& dir, int argc, char** argv) {
  int broken = 0;
  for (int i = 0; i < argc; ++i) {
    auto t = render::CardTemplate::load(dir, argv[i]);
    if (t) continue;
    ++broken;
    std::fprintf(stderr, "cardd-render: %s\n", t.error().message.c_str());
  }
  return broken > 0 ? 1 : 0;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc == 2 && std::strcmp(argv[1], "--serve") == 0) return serve();
  if (argc >= 3 && std::strcmp(argv[1], "--check") == 0) return check(argv[2], argc - 3, argv + 3);
  std::fprintf(stderr,
               "usage: cardd-render --serve          (started by cardd, talks on fd 0)\n"
               "       cardd-render --check DIR ID...  (check templates with librsvg)\n");
  return 2;
}

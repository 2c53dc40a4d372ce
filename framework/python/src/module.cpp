// The `vidpipe._vidpipe` extension: a Session (session.hpp) for Python. The Python package
// (vidpipe/__init__.py) wraps it: graph names, keyword parameters, map(), exceptions.
//
// Threads: every call into the runtime that may wait (building the session, waiting for a
// job, closing) releases the GIL, so Python threads run while C++ works. Errors: what the
// runtime throws or a job reports becomes a vidpipe.Error subclass (vidpipe/errors.py).
#include <future>
#include <memory>
#include <optional>

#include <unistd.h>

#include <oneapi/tbb/global_control.h>
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include "clip_array.hpp"
#include "vidpipe/runtime/graph.hpp"
#include "vidpipe/runtime/messages.hpp"
#include "vidpipe/runtime/registry.hpp"

namespace py = pybind11;
using namespace pybind11::literals;
using namespace vidpipe;
using namespace vidpipe::runtime;

namespace {

// Raises the vidpipe.errors class of `kind` with the message and the job's details.
[[noreturn]] void raise(ErrorKind kind, const std::string& message, const py::dict& details) {
  py::object cls = py::module_::import("vidpipe.errors").attr("error_class")(to_string(kind));
  py::object error = cls(message, **details);
  PyErr_SetObject(cls.ptr(), error.ptr());
  throw py::error_already_set();
}

// The runtime's registry and session: the registry must outlive the session.
class PySession {
 public:
  PySession(const std::string& graph_file, const std::vector<std::string>& sets, const std::optional<std::string>& model) {
    py::gil_scoped_release unlocked;
    GraphSpec spec = parse_graph_file(graph_file);
    registry_ = std::make_shared<NodeRegistry>();  // as the CLI: the graph's plugin folders first
    registry_->load_dirs_cached(plugin_search_path(spec.plugin_dirs), default_registry_cache_file());
    Overrides ov;
    ov.model = model;
    ov.sets = sets;
    session_ = std::make_unique<Session>(resolve_graph(spec, *registry_, ov));
  }
  ~PySession() { close(); }

  // A session of the parent process, inherited through fork(): its threads are not in this
  // process, so it is never used, joined or freed here (README.md: Python).
  bool inherited() const { return pid_ != getpid(); }

  // Queues one input; its result comes from Pending.result(). Bad overrides raise here.
  // The registry (the plugin libraries) outlives every result: a clip's objects were made,
  // and are freed, by code in the plugins, even after the session is closed.
  struct Pending {
    std::shared_ptr<NodeRegistry> registry;  // first, so freed last
    std::shared_future<Result> future;
    py::dict result() const {
      {
        py::gil_scoped_release unlocked;
        future.wait();
      }
      const Result& r = future.get();
      if (!r.usable()) {
        const JobResult& j = r.job;
        py::dict details("input"_a = j.input, "stage"_a = j.error_node, "node_type"_a = j.error_type,
                         "hint"_a = j.hint, "status"_a = j.status);
        const std::string message = j.error.empty() ? display_input(j.input) + ": " + j.status : j.error_line();
        raise(r.cancelled() ? ErrorKind::Resource : j.error_kind, message, details);
      }
      return python::result_dict(r, registry);
    }
    bool done() const { return future.wait_for(std::chrono::seconds(0)) == std::future_status::ready; }
  };

  Pending submit(const std::string& input, const std::string& overrides_json, bool one_buffer) {
    Session& s = live();
    SubmitOptions o;
    o.overrides = json::parse(overrides_json);
    o.output_dir = "";
    o.one_buffer = one_buffer;
    try {
      return Pending{registry_, s.submit(input, std::move(o)).share()};
    } catch (const Error& e) {  // the per-video settings: the caller's to fix, whatever the kind
      raise(ErrorKind::Configuration, e.what(), py::dict("input"_a = input, "hint"_a = e.hint()));
    }
  }

  // Every vision element of a messages list (JSON text), each with its own settings
  // (messages.hpp): [(summary, result dict or None)] in element order, and the resolved
  // messages. A failed element's summary holds its error; nothing raises for it.
  py::tuple process_messages(const std::string& messages_json, const std::string& defaults_json,
                             const std::string& output_dir) {
    Session& s = live();
    const json messages = json::parse(messages_json);
    SubmitOptions o;
    o.overrides = json::parse(defaults_json);
    o.output_dir = output_dir;
    o.one_buffer = true;
    std::vector<ElementJob> jobs;
    {
      py::gil_scoped_release unlocked;
      jobs = submit_messages(s, messages, o);
      for (const auto& j : jobs) j.wait();
    }
    py::object loads = py::module_::import("json").attr("loads");
    py::list results;
    for (const auto& j : jobs) {
      py::object summary = loads(json_text(element_summary(j)));
      py::object result = j.ok() ? py::object(python::result_dict(j.result->get(), registry_)) : py::none();
      results.append(py::make_tuple(summary, result));
    }
    return py::make_tuple(results, loads(json_text(resolve_messages(messages, jobs))));
  }

  void close() {
    if (!session_) return;
    if (inherited()) {  // left as it is: freeing it would join threads that are not here
      static_cast<void>(session_.release());
      static_cast<void>(new std::shared_ptr<NodeRegistry>(std::move(registry_)));
      return;
    }
    py::gil_scoped_release unlocked;
    session_.reset();  // cancels queued jobs, waits for running ones
  }

  py::dict info() {
    const ResolvedGraph& g = live().graph();
    return py::dict("name"_a = g.name, "file"_a = g.file, "model"_a = g.model, "threads"_a = g.settings.threads,
                    "max_jobs_in_flight"_a = g.settings.max_jobs_in_flight,
                    "config"_a = py::module_::import("json").attr("loads")(json_text(g.config())));
  }

 private:
  Session& live() {
    if (!session_) throw Error("the session is closed", "make a new vidpipe.Session", ErrorKind::Configuration);
    if (inherited())
      throw Error("this vidpipe.Session was opened in the parent process, before a fork(): its threads are not in this one",
                  "open sessions in the worker (vidpipe.torch datasets do), or start workers with 'spawn'",
                  ErrorKind::Resource);
    return *session_;
  }
  const pid_t pid_ = getpid();
  std::shared_ptr<NodeRegistry> registry_;  // declared first: destroyed after the session
  std::unique_ptr<Session> session_;
};

// Ends oneTBB's worker threads (they are started again when needed), so that a fork() can
// follow: a child inherits the threads' state but not the threads. Possible only while no
// session is open; false when oneTBB refused.
bool release_threads() {
  tbb::task_scheduler_handle handle{tbb::attach{}};
  return tbb::finalize(handle, std::nothrow);
}

}  // namespace

PYBIND11_MODULE(_vidpipe, m) {
  m.doc() = "vidpipe runtime binding (use the `vidpipe` package)";
  py::register_exception_translator([](std::exception_ptr p) {
    try {
      if (p) std::rethrow_exception(p);
    } catch (const GraphError& e) {
      raise(ErrorKind::Configuration, e.what(), py::dict("stage"_a = "graph"));
    } catch (const Error& e) {
      raise(e.kind(), e.what(), py::dict("hint"_a = e.hint()));
    } catch (const json::exception& e) {
      raise(ErrorKind::Configuration, std::string("bad parameter value: ") + e.what(), py::dict());
    }
  });
  m.def("graphs_dir", &graphs_dir, "folder of the shipped graphs");
  m.def(
      "parse_video_request",
      [](const std::string& element_json, const std::string& where) {
        const VideoRequest r = parse_video_request(json::parse(element_json), where);
        return py::make_tuple(r.kind == VideoRequest::Kind::Image ? "image" : "video", r.input, json_text(r.overrides));
      },
      "element_json"_a, "where"_a = "element",
      "a vision element -> (kind, input, overrides JSON): the parser of video_request.hpp");
  m.def("release_threads", &release_threads, "ends oneTBB's worker threads before a fork (no session open)");
  py::class_<PySession::Pending>(m, "Pending")
      .def("result", &PySession::Pending::result, "waits (GIL released), then the result dict or raises")
      .def("done", &PySession::Pending::done);
  py::class_<PySession>(m, "Session")
      .def(py::init<const std::string&, const std::vector<std::string>&, const std::optional<std::string>&>(),
           "graph_file"_a, "sets"_a, "model"_a = py::none())
      .def("submit", &PySession::submit, "input"_a, "overrides_json"_a = "{}", "one_buffer"_a = true)
      .def("process_messages", &PySession::process_messages, "messages_json"_a, "defaults_json"_a = "{}", "output_dir"_a = "")
      .def("close", &PySession::close)
      .def("info", &PySession::info);
}

#include "diag/CheckConfigReport.hpp"

#include <rapidjson/prettywriter.h>
#include <rapidjson/stringbuffer.h>

namespace ibvf::diag {

void printConfigChecksText(const std::vector<CheckedFile>& files, std::ostream& out) {
    std::size_t total = 0;
    for (const auto& f : files) {
        out << f.path << ": " << f.check.description << "\n";
        for (const auto& finding : f.check.findings) {
            if (finding.ok) {
                out << "  ok     " << (finding.section.empty() ? "" : finding.section + ": ") << finding.message << "\n";
                continue;
            }
            // Most messages start with the field they are about; name it only when this one does not.
            std::string at = finding.section;
            if (!finding.field.empty() && fieldOfMessage(finding.message).empty() && finding.message.rfind(finding.field, 0) != 0 &&
                finding.field != finding.section)
                at += (at.empty() ? "" : ": ") + finding.field;
            out << "  error  " << (at.empty() ? "" : at + ": ") << finding.message << "\n";
            if (!finding.explanation.empty()) out << "         " << finding.explanation << "\n";
        }
        total += f.check.errors();
    }
    if (total == 0) {
        out << "OK\n";
    } else {
        out << total << (total == 1 ? " error\n" : " errors\n");
    }
}

std::string configChecksJson(const std::vector<CheckedFile>& files) {
    rapidjson::StringBuffer buf;
    rapidjson::PrettyWriter<rapidjson::StringBuffer> w(buf);
    w.SetIndent(' ', 2);
    const auto str = [&](const char* key, const std::string& v) {
        w.Key(key);
        w.String(v.c_str(), static_cast<rapidjson::SizeType>(v.size()));
    };
    std::size_t total = 0;
    w.StartObject();
    str("schema", "ibvf-diag-check-config/v1");
    w.Key("files");
    w.StartArray();
    for (const auto& f : files) {
        w.StartObject();
        str("path", f.path);
        str("kind", f.check.kind);
        str("description", f.check.description);
        w.Key("errors");
        w.Uint(static_cast<unsigned>(f.check.errors()));
        w.Key("findings");
        w.StartArray();
        for (const auto& finding : f.check.findings) {
            w.StartObject();
            str("section", finding.section);
            str("checker", finding.checker);
            w.Key("ok");
            w.Bool(finding.ok);
            str("field", finding.field);
            str("message", finding.message);
            str("explanation", finding.explanation);
            w.EndObject();
        }
        w.EndArray();
        w.EndObject();
        total += f.check.errors();
    }
    w.EndArray();
    w.Key("errors");
    w.Uint(static_cast<unsigned>(total));
    w.EndObject();
    return std::string(buf.GetString(), buf.GetSize()) + "\n";
}

}  // namespace ibvf::diag

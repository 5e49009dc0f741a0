#include "ai/json_schema.hpp"

namespace sb::ai {
namespace {

using nlohmann::json;

bool has_type(const json& value, const std::string& type) {
    if (type == "object") return value.is_object();
    if (type == "array") return value.is_array();
    if (type == "string") return value.is_string();
    if (type == "boolean") return value.is_boolean();
    if (type == "null") return value.is_null();
    if (type == "number") return value.is_number();
    if (type == "integer") {
        if (value.is_number_integer()) return true;
        if (value.is_number_float()) {
            const double d = value.get<double>();
            return d == static_cast<double>(static_cast<long long>(d));
        }
    }
    return false;
}

std::string describe(const json& value) {
    if (value.is_object()) return "an object";
    if (value.is_array()) return "an array";
    if (value.is_string()) return "a string";
    if (value.is_boolean()) return "a boolean";
    if (value.is_null()) return "null";
    return "a number";
}

// Code points, not bytes: maxLength counts characters.
std::size_t utf8_length(const std::string& s) {
    std::size_t n = 0;
    for (unsigned char c : s)
        if ((c & 0xC0) != 0x80) ++n;
    return n;
}

class validator {
public:
    explicit validator(std::size_t max_errors) : max_(max_errors) {}

    void check(const json& schema, const json& value, const std::string& at) {
        if (errors.size() >= max_ || !schema.is_object()) return;
        const std::string where = at.empty() ? "/" : at;
        if (auto t = schema.find("type"); t != schema.end()) {
            bool ok = false;
            std::string wanted;
            if (t->is_string()) {
                ok = has_type(value, t->get<std::string>());
                wanted = t->get<std::string>();
            } else if (t->is_array()) {
                for (const auto& one : *t) {
                    if (!one.is_string()) continue;
                    ok = ok || has_type(value, one.get<std::string>());
                    wanted += (wanted.empty() ? "" : " or ") + one.get<std::string>();
                }
            }
            if (!ok) {
                add(where + ": expected " + wanted + ", got " + describe(value));
                return;
            }
        }
        if (auto e = schema.find("enum"); e != schema.end() && e->is_array()) {
            bool found = false;
            for (const auto& option : *e) found = found || option == value;
            if (!found) add(where + ": must be one of " + e->dump());
        }
        if (value.is_string()) {
            const std::size_t n = utf8_length(value.get_ref<const std::string&>());
            if (auto m = schema.find("minLength");
                m != schema.end() && m->is_number() && static_cast<double>(n) < m->get<double>())
                add(where + ": shorter than " + m->dump() + " characters");
            if (auto m = schema.find("maxLength");
                m != schema.end() && m->is_number() && static_cast<double>(n) > m->get<double>())
                add(where + ": longer than " + m->dump() + " characters");
        }
        if (value.is_number()) {
            const double d = value.get<double>();
            if (auto m = schema.find("minimum");
                m != schema.end() && m->is_number() && d < m->get<double>())
                add(where + ": less than " + m->dump());
            if (auto m = schema.find("maximum");
                m != schema.end() && m->is_number() && d > m->get<double>())
                add(where + ": greater than " + m->dump());
        }
        if (value.is_array()) {
            if (auto m = schema.find("minItems");
                m != schema.end() && m->is_number() &&
                static_cast<double>(value.size()) < m->get<double>())
                add(where + ": fewer than " + m->dump() + " items");
            if (auto m = schema.find("maxItems");
                m != schema.end() && m->is_number() &&
                static_cast<double>(value.size()) > m->get<double>())
                add(where + ": more than " + m->dump() + " items");
            if (auto items = schema.find("items"); items != schema.end()) {
                for (std::size_t i = 0; i < value.size(); ++i)
                    check(*items, value[i], at + "/" + std::to_string(i));
            }
        }
        if (value.is_object()) {
            const auto props = schema.find("properties");
            if (auto req = schema.find("required"); req != schema.end() && req->is_array()) {
                for (const auto& name : *req) {
                    if (name.is_string() && !value.contains(name.get<std::string>()))
                        add(where + ": missing required property \"" + name.get<std::string>() +
                            "\"");
                }
            }
            const auto extra = schema.find("additionalProperties");
            const bool closed = extra != schema.end() && extra->is_boolean() && !extra->get<bool>();
            for (const auto& [key, child] : value.items()) {
                const json* sub = nullptr;
                if (props != schema.end() && props->is_object()) {
                    if (auto p = props->find(key); p != props->end()) sub = &*p;
                }
                if (sub != nullptr)
                    check(*sub, child, at + "/" + key);
                else if (closed)
                    add(where + ": unexpected property \"" + key + "\"");
            }
        }
    }

    std::vector<std::string> errors;

private:
    void add(std::string e) {
        if (errors.size() < max_) errors.push_back(std::move(e));
    }
    std::size_t max_;
};

}  // namespace

std::vector<std::string> validate(const nlohmann::json& schema, const nlohmann::json& value,
                                  std::size_t max_errors) {
    validator v(max_errors);
    v.check(schema, value, "");
    return std::move(v.errors);
}

}  // namespace sb::ai

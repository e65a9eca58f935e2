// Per-receiver template overrides (docs/templates.md): the context a message
// offers a template, how each kind of template is checked when the config
// loads, and how it is rendered at send time (pure).
//
//   subject_template, text_template  email subject and text part, unescaped
//   html_template                    email HTML part, HTML-escaped
//   body_template                    the whole JSON request body of a web
//                                    kind (webhook, slack, discord, teams),
//                                    {{x}} escaped for a JSON string
//
// Everything that can be wrong with a template is found by CompileTemplate,
// so a loaded template renders for any message: names are checked against
// the context, a JSON body may not put text into the JSON unescaped, and it
// must render as JSON for sample messages that exercise every section.
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "model/status.h"
#include "notify/alert.h"
#include "notify/template.h"

namespace mineral::notify {

enum class TemplateUse {
  kText,      // subject_template, text_template
  kHtml,      // html_template
  kJsonBody,  // body_template
};

TemplateEscape EscapeFor(TemplateUse use);

// A receiver's overrides; null: the built-in layout.
struct ReceiverTemplates {
  std::shared_ptr<const Template> subject;
  std::shared_ptr<const Template> text;
  std::shared_ptr<const Template> html;
  std::shared_ptr<const Template> body;
};

// The context of `message` (docs/templates.md "Context"): message fields,
// the first alert's fields at the top level, and `alerts`, one map per alert.
TemplateValue MessageContext(const Message& message);

// Parses `text` as a template for `use` and checks it: syntax, every name
// against the context, raw values in JSON bodies, and, for a JSON body, that
// it renders as JSON for one alert, a group, and an alert with quotes,
// backslashes and line breaks in its text and none of the optional fields.
// Errors: ParseError with every message found, positioned in `file_name`,
// one per line group.
Result<Template> CompileTemplate(std::string_view text, std::string_view file_name,
                                 TemplateUse use);

// `t` rendered for `message` (pure).
std::string RenderMessageTemplate(const Template& t, const Message& message, TemplateUse use);

}  // namespace mineral::notify

// The template language (notify/template.h): rendering as a table, every
// parse error word for word, the name check, and output positions.
#include "notify/template.h"

#include <catch2/catch.hpp>

namespace mineral::notify {
namespace {

using V = TemplateValue;

V Context() {
  V c = V::Map();
  c.Set("name", V::Text("<Gallium & \"Co\">"));
  c.Set("empty", V::Text(""));
  c.Set("yes", V::Bool(true));
  c.Set("no", V::Bool(false));
  c.Set("labels", V::List({V::Text("a"), V::Text("b"), V::Text("c")}));
  c.Set("none", V::List());
  V item = V::Map();
  item.Set("title", V::Text("first"));
  V other = V::Map();
  other.Set("title", V::Text("second"));
  other.Set("name", V::Text("inner"));
  c.Set("items", V::List({item, other}));
  V source = V::Map();
  source.Set("feed", V::Text("mofcom"));
  c.Set("source", source);
  return c;
}

std::string Render(std::string_view text, TemplateEscape escape = TemplateEscape::kNone) {
  Result<Template> t = ParseTemplate(text, "t.txt");
  INFO(t.status().message());
  REQUIRE(t.ok());
  return RenderTemplate(*t, Context(), escape);
}

std::string ParseError(std::string_view text) {
  Result<Template> t = ParseTemplate(text, "t.txt");
  REQUIRE_FALSE(t.ok());
  return t.status().message();
}

TEST_CASE("templates render values, sections and inverted sections", "[template]") {
  struct Row {
    const char* text;
    const char* out;
  };
  const Row rows[] = {
      {"plain text, no tags", "plain text, no tags"},
      {"{{name}}", "<Gallium & \"Co\">"},
      {"{{ name }}", "<Gallium & \"Co\">"},
      {"[{{missing}}]", "[]"},
      {"{{labels}}", "a, b, c"},
      {"{{yes}} {{no}}", "true false"},
      {"{{source.feed}} {{source.missing}}", "mofcom "},
      {"{{#labels}}{{.}}{{^@last}}, {{/@last}}{{/labels}}", "a, b, c"},
      {"{{#labels}}{{@index}}{{#@first}}*{{/@first}}{{/labels}}", "1*23"},
      {"{{#items}}{{title}}/{{name}};{{/items}}", "first/<Gallium & \"Co\">;second/inner;"},
      {"{{#source}}{{feed}}{{/source}}", "mofcom"},
      {"{{#yes}}y{{/yes}}{{#no}}n{{/no}}{{#empty}}e{{/empty}}{{#none}}x{{/none}}", "y"},
      {"{{^no}}1{{/no}}{{^empty}}2{{/empty}}{{^none}}3{{/none}}{{^missing}}4{{/missing}}"
       "{{^yes}}5{{/yes}}",
       "1234"},
      {"{{#name}}{{.}}{{/name}}", "<Gallium & \"Co\">"},
      {"a{{! a comment }}b", "ab"},
      // Standalone tags take their whole line; inline ones do not.
      {"{{#yes}}\nline\n{{/yes}}\nend\n", "line\nend\n"},
      {"  {{#labels}}  \n- {{.}}\n  {{/labels}}\n", "- a\n- b\n- c\n"},
      {"{{! only a comment }}\r\nx", "x"},
      {"x {{#yes}}\ny{{/yes}} z", "x \ny z"},
      {"}} and { are text", "}} and { are text"},
  };
  for (const Row& row : rows) {
    INFO(row.text);
    CHECK(Render(row.text) == row.out);
  }
}

TEST_CASE("escaping follows the template's use; raw values are not escaped", "[template]") {
  CHECK(Render("{{name}}", TemplateEscape::kHtml) == "&lt;Gallium &amp; &quot;Co&quot;&gt;");
  CHECK(Render("{{{name}}}|{{& name}}", TemplateEscape::kHtml) ==
        "<Gallium & \"Co\">|<Gallium & \"Co\">");
  CHECK(Render("\"{{name}}\"", TemplateEscape::kJson) == "\"<Gallium & \\\"Co\\\">\"");
  V c = V::Map();
  c.Set("t", V::Text("back\\slash\nnew\tline\x01"));
  auto t = ParseTemplate("{{t}}", "t.json");
  REQUIRE(t.ok());
  CHECK(RenderTemplate(*t, c, TemplateEscape::kJson) == "back\\\\slash\\nnew\\tline\\u0001");
  CHECK(RenderTemplate(*t, c, TemplateEscape::kNone) == "back\\slash\nnew\tline\x01");
}

TEST_CASE("parse errors name the file, line and column, with a caret", "[template]") {
  struct Row {
    const char* text;
    const char* error;
  };
  const Row rows[] = {
      {"Hello {{name", "t.txt:1:7: '{{' is not closed by '}}'\nHello {{name\n      ^"},
      {"x\n {{{name}}", "t.txt:2:2: '{{{' is not closed by '}}}'\n {{{name}}\n ^"},
      {"a\n{{#items}}\n{{title}}\n",
       "t.txt:2:1: section 'items' is not closed (no {{/items}})\n{{#items}}\n^"},
      {"{{#a}}{{#b}}{{/a}}{{/b}}",
       "t.txt:1:13: {{/a}} does not close section 'b' (opened at 1:7)\n"
       "{{#a}}{{#b}}{{/a}}{{/b}}\n            ^"},
      {"x {{/a}}", "t.txt:1:3: {{/a}} closes no open section\nx {{/a}}\n  ^"},
      {"{{> footer}}", "t.txt:1:1: partials ({{> name}}) are not supported\n{{> footer}}\n^"},
      {"{{=<% %>=}}", "t.txt:1:1: changing delimiters ({{= =}}) is not supported\n{{=<% %>=}}\n^"},
      {"{{ }}", "t.txt:1:1: empty tag\n{{ }}\n^"},
      {"\xC3\xA9t\xC3\xA9 {{a b}}",
       "t.txt:1:5: invalid name 'a b': names hold letters, digits, '_', '-' and '@', joined by "
       "'.'\n\xC3\xA9t\xC3\xA9 {{a b}}\n    ^"},
      {"{{a..b}}",
       "t.txt:1:1: invalid name 'a..b': names hold letters, digits, '_', '-' and '@', joined by "
       "'.'\n{{a..b}}\n^"},
  };
  for (const Row& row : rows) {
    INFO(row.text);
    CHECK(ParseError(row.text) == row.error);
  }
}

TEST_CASE("sections nest at most kMaxTemplateDepth deep", "[template]") {
  std::string ok;
  std::string close;
  for (int i = 0; i < kMaxTemplateDepth; ++i) {
    ok += "{{#yes}}";
    close += "{{/yes}}";
  }
  CHECK(ParseTemplate(ok + close, "t.txt").ok());
  std::string deep = ok + "{{#yes}}";
  std::string error = ParseError(deep + "{{/yes}}" + close);
  CHECK(error.starts_with("t.txt:1:" + std::to_string(kMaxTemplateDepth * 8 + 1) +
                          ": sections nested deeper than " + std::to_string(kMaxTemplateDepth)));
}

TEST_CASE("CheckTemplate finds unknown names where a render would look them up", "[template]") {
  const std::string text =
      "{{name}} {{titel}}\n"
      "{{#items}}{{title}} {{@index}} {{feed}}{{/items}}\n"
      "{{^none}}{{nope}}{{/none}}{{@last}}\n"
      "{{#source}}{{feed}} {{name}}{{/source}} {{source.feeds}}";
  auto t = ParseTemplate(text, "t.txt");
  REQUIRE(t.ok());
  std::vector<std::string> errors = CheckTemplate(*t, text, Context(), TemplateEscape::kNone);
  const std::vector<std::string> expected = {
      "t.txt:1:10: unknown name 'titel' (docs/templates.md lists the names)\n"
      "{{name}} {{titel}}\n         ^",
      "t.txt:2:32: unknown name 'feed' (docs/templates.md lists the names)\n"
      "{{#items}}{{title}} {{@index}} {{feed}}{{/items}}\n                               ^",
      "t.txt:3:10: unknown name 'nope' (docs/templates.md lists the names)\n"
      "{{^none}}{{nope}}{{/none}}{{@last}}\n         ^",
      "t.txt:3:27: unknown name '@last' (docs/templates.md lists the names)\n"
      "{{^none}}{{nope}}{{/none}}{{@last}}\n                          ^",
      "t.txt:4:41: unknown name 'source.feeds' (docs/templates.md lists the names)\n"
      "{{#source}}{{feed}} {{name}}{{/source}} {{source.feeds}}\n"
      "                                        ^",
  };
  CHECK(errors == expected);
}

TEST_CASE("in JSON templates only *_json values may go raw", "[template]") {
  V schema = V::Map();
  schema.Set("title", V::Text("t"));
  schema.Set("alert_json", V::Text("{}"));
  const std::string text = "{\"a\": {{{alert_json}}}, \"t\": {{{title}}}, \"u\": \"{{& title}}\"}";
  auto t = ParseTemplate(text, "b.json");
  REQUIRE(t.ok());
  std::vector<std::string> errors = CheckTemplate(*t, text, schema, TemplateEscape::kJson);
  REQUIRE(errors.size() == 2);
  CHECK(errors[0] ==
        "b.json:1:30: 'title' would go into the JSON unescaped: write \"{{title}}\" (escaped, "
        "inside quotes), or use a value whose name ends in _json\n" +
            text + "\n" + std::string(29, ' ') + "^");
  CHECK(errors[1].starts_with("b.json:1:49: 'title' would go into the JSON unescaped"));
  // The same raw values are fine in HTML and text templates.
  CHECK(CheckTemplate(*t, text, schema, TemplateEscape::kHtml).empty());
}

TEST_CASE("TemplatePosition maps output bytes back to the template", "[template]") {
  const std::string text = "ab{{name}}\ncd\n{{#labels}}x{{/labels}}!";
  auto t = ParseTemplate(text, "t.txt");
  REQUIRE(t.ok());
  std::vector<TemplateMark> marks;
  std::string out = RenderTemplate(*t, Context(), TemplateEscape::kNone, &marks);
  REQUIRE(out == "ab<Gallium & \"Co\">\ncd\nxxx!");
  auto at = [&](size_t offset) { return TemplatePosition(marks, offset); };
  CHECK(at(0) == std::make_pair(1, 1));
  CHECK(at(1) == std::make_pair(1, 2));
  CHECK(at(5) == std::make_pair(1, 3));  // inside the value of {{name}}
  size_t cd = out.find("cd");
  CHECK(at(cd + 1) == std::make_pair(2, 2));
  CHECK(at(out.find('x') + 1) == std::make_pair(3, 12));  // the second x: the section's text
  CHECK(at(out.size() - 1) == std::make_pair(3, 24));
  CHECK(at(out.size()) == std::make_pair(3, 25));  // past the end: after the last text
}

}  // namespace
}  // namespace mineral::notify

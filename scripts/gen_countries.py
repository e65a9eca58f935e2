#!/usr/bin/env python3
"""Generates rules/vocabulary/countries.toml and rules/embedded_vocabulary.cc.

  scripts/gen_countries.py            # both
  scripts/gen_countries.py --embed    # only re-embed the TOML files (after editing them)

countries.toml: every ISO 3166-1 country from Debian's iso-codes
(/usr/share/iso-codes/json/iso_3166-1.json, names and official names) with the
Chinese names of its zh_CN translation (iso_3166-1.mo, read with gettext), plus
the table below: short names, demonyms, Chinese short forms, institutions and
mining regions that stand for a country in this field, capital cities (opt-in
metonyms), and vetoes.  Then `eu`.

embedded_vocabulary.cc: minerals.toml, countries.toml and clauses.toml as C++
raw string literals, so the binary carries the vocabulary; rules_test checks
the copy equals the files.
"""
import gettext
import json
import os
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
VOCAB_DIR = os.path.join(ROOT, "rules", "vocabulary")
ISO_JSON = "/usr/share/iso-codes/json/iso_3166-1.json"
ZH_MO = "/usr/share/locale/zh_CN/LC_MESSAGES/iso_3166-1.mo"

# Names that are also ordinary words or given names: matched with case.
# Names that stand for another country in text ("Congo" is mostly the DRC).
SKIP_NAMES = {"cg": {"Congo"}}
SKIP_ZH = {"cg": {"刚果"}}

CASE_SENSITIVE_NAMES = {"Chad", "Jordan", "Turkey", "Guinea", "Niger", "Georgia", "Togo",
                        "Mali", "Oman", "Cuba", "Peru", "Iran", "Panama", "Malawi", "Monaco",
                        "Nauru", "Palau", "Tonga", "Samoa", "Fiji", "Benin", "Gabon",
                        "Chile", "China", "Japan", "Canada", "Norway", "Jersey", "Dominica"}

# Chinese names too short or too common inside other words to use alone.
ZH_SKIP = {"中非", "中国台湾省", "梵地冈"}

# alpha-2 -> extra data.  "terms": names, short forms, demonyms (English,
# case-insensitive); "cs": case-sensitive terms; "zh": Chinese; "capitals":
# opt-in metonyms; "vetoes": phrases that are not the country.
EXTRA = {
    "cn": {"name": "China",
           "terms": ["Chinese", "People's Republic of China", "PRC", "mainland China", "MOFCOM",
                     "Ministry of Commerce", "General Administration of Customs",
                     "China's Ministry of Commerce", "State Council", "Xi Jinping",
                     "Inner Mongolia", "Jiangxi", "Yunnan", "Sichuan", "Guangxi", "Hunan",
                     "Guangdong", "Fujian", "Xinjiang", "Qinghai", "Guizhou", "Shandong",
                     "Baotou", "Bayan Obo", "Ganzhou", "Yichun"],
           "cs": ["Xi", "GAC"],
           "zh": ["中国", "中方", "我国", "中华人民共和国", "商务部", "海关总署", "国务院",
                  "国务院关税税则委员会", "工业和信息化部", "工信部", "自然资源部", "国标",
                  "内蒙古", "江西", "云南", "四川", "广西", "湖南", "包头", "白云鄂博",
                  "赣州", "宜春", "对华"],
           "capitals": ["Beijing", "北京"],
           "vetoes": ["outside China", "ex-China", "中国以外", "Ministry of Commerce of Peru"]},
    "us": {"name": "United States",
           "terms": ["United States", "United States of America", "U.S.", "U.S.A.", "America",
                     "American", "Americans", "USGS", "OFAC", "Pentagon",
                     "Defense Department", "Department of Defense", "Department of Commerce",
                     "Commerce Department", "Secretary of Commerce", "Bureau of Industry and Security",
                     "Department of Energy", "Department of the Interior", "Federal Register",
                     "Section 232", "Section 301", "White House", "Trump administration",
                     "Biden administration", "President Trump", "President Biden",
                     "Defense Logistics Agency", "Export-Import Bank of the United States",
                     "Forest Service", "New Jersey", "New Mexico", "New York", "Alaska", "Nevada", "Idaho", "Arizona", "Utah", "Wyoming",
                     "Montana", "Texas", "California", "Minnesota", "North Carolina", "Tennessee",
                     "Michigan", "Ohio", "Pennsylvania", "US$"],
           "cs": ["US", "USA", "BIS", "DFC", "EXIM", "Commerce", "Trump", "Biden"],
           "zh": ["美国", "美方", "美利坚合众国", "对美", "美国商务部", "特朗普", "拜登"],
           "capitals": ["Washington"],
           "vetoes": ["South America", "Latin America", "Central America", "South American",
                      "Latin American", "Central American", "Chamber of Commerce",
                      "Ministry of Commerce", "Washington Post", "Commerce Ministry",
                      "America Movil", "Bank of America"]},
    "au": {"name": "Australia",
           "terms": ["Australian", "Australians", "Western Australia", "Queensland",
                     "New South Wales", "Northern Territory", "South Australia", "Tasmania",
                     "Victoria, Australia", "Pilbara", "Goldfields", "Albanese Government",
                     "Albanese government", "ASX", "Australian Securities Exchange", "A$", "AUD",
                     "Geoscience Australia", "Export Finance Australia"],
           "zh": ["澳大利亚", "澳洲", "西澳"], "capitals": ["Canberra"]},
    "ca": {"name": "Canada",
           "terms": ["Canadian", "Canadians", "Ontario", "Quebec", "Québec", "British Columbia",
                     "Saskatchewan", "Manitoba", "Yukon", "Nunavut", "Northwest Territories",
                     "TSX", "C$"],
           "zh": ["加拿大"], "capitals": ["Ottawa"]},
    "cd": {"name": "DR Congo",
           "terms": ["Democratic Republic of Congo", "Democratic Republic of the Congo", "DR Congo",
                     "DRC", "D.R. Congo", "Congo", "Congolese", "Katanga", "Lualaba", "Kolwezi",
                     "ARECOMS", "Gecamines", "Gécamines"],
           "zh": ["刚果(金)", "刚果民主共和国", "刚果金", "民主刚果", "刚果"],
           "capitals": ["Kinshasa"]},
    "cg": {"name": "Republic of the Congo",
           "terms": ["Republic of the Congo", "Congo-Brazzaville", "Congo Republic"],
           "zh": ["刚果(布)", "刚果共和国"],
           "capitals": ["Brazzaville"],
           "vetoes": ["Democratic Republic of the Congo"]},
    "cl": {"name": "Chile", "terms": ["Chilean", "Codelco", "Atacama", "Antofagasta", "Salar de Atacama", "ENAMI"],
           "zh": ["智利"], "capitals": ["Santiago"]},
    "ar": {"name": "Argentina", "terms": ["Argentine", "Argentinian", "Jujuy", "Salta", "Catamarca"],
           "zh": ["阿根廷"], "capitals": ["Buenos Aires"]},
    "bo": {"name": "Bolivia", "terms": ["Bolivian", "Uyuni", "YLB"], "zh": ["玻利维亚"],
           "capitals": ["La Paz", "Sucre"]},
    "br": {"name": "Brazil", "terms": ["Brazilian", "Minas Gerais", "Goias", "Goiás"],
           "zh": ["巴西"], "capitals": ["Brasilia", "Brasília"]},
    "gb": {"name": "United Kingdom",
           "terms": ["UK", "U.K.", "Britain", "Great Britain", "British", "England", "Scotland",
                     "Wales", "Northern Ireland", "Export Control Joint Unit", "HM Treasury",
                     "HMRC", "OFSI"],
           "zh": ["英国"], "capitals": ["London"],
           "vetoes": ["British Columbia", "New South Wales"]},
    "id": {"name": "Indonesia", "terms": ["Indonesian", "Sulawesi", "Halmahera", "Morowali"],
           "zh": ["印尼", "印度尼西亚"], "capitals": ["Jakarta"]},
    "in": {"name": "India", "terms": ["Indian", "crore"], "zh": ["印度"],
           "capitals": ["New Delhi"], "vetoes": ["Indian Ocean", "American Indian"]},
    "jp": {"name": "Japan", "terms": ["Japanese", "JOGMEC", "METI"], "zh": ["日本"],
           "capitals": ["Tokyo"]},
    "kz": {"name": "Kazakhstan", "terms": ["Kazakh", "Kazakhstani", "Kazatomprom"],
           "zh": ["哈萨克斯坦"], "capitals": ["Astana"]},
    "mm": {"name": "Myanmar", "terms": ["Burma", "Burmese", "Kachin", "Kachin State", "Shan State",
                                         "Pangwa", "Chipwi", "Tatmadaw"],
           "zh": ["缅甸", "克钦", "邦瓦"], "capitals": ["Naypyidaw", "Nay Pyi Taw"]},
    "mx": {"name": "Mexico", "terms": ["Mexican", "Sonora"], "zh": ["墨西哥"],
           "capitals": ["Mexico City"]},
    "my": {"name": "Malaysia", "terms": ["Malaysian", "Pahang", "Kuantan"], "zh": ["马来西亚", "大马"],
           "capitals": ["Kuala Lumpur"]},
    "na": {"name": "Namibia", "terms": ["Namibian"], "zh": ["纳米比亚"], "capitals": ["Windhoek"]},
    "no": {"name": "Norway", "terms": ["Norwegian"], "zh": ["挪威"], "capitals": ["Oslo"]},
    "ru": {"name": "Russia", "terms": ["Russian", "Russia's", "Kremlin", "Nornickel", "Norilsk"],
           "zh": ["俄罗斯", "俄方", "俄"], "capitals": ["Moscow"]},
    "se": {"name": "Sweden", "terms": ["Swedish", "Kiruna", "LKAB"], "zh": ["瑞典"],
           "capitals": ["Stockholm"]},
    "ua": {"name": "Ukraine", "terms": ["Ukrainian"], "zh": ["乌克兰"], "capitals": ["Kyiv", "Kiev"]},
    "zw": {"name": "Zimbabwe", "terms": ["Zimbabwean"], "zh": ["津巴布韦"], "capitals": ["Harare"]},
    "za": {"name": "South Africa", "terms": ["South African"], "zh": ["南非"],
           "capitals": ["Pretoria"]},
    "ph": {"name": "Philippines", "terms": ["Philippine", "Filipino"], "zh": ["菲律宾"],
           "capitals": ["Manila"]},
    "vn": {"name": "Vietnam", "terms": ["Vietnamese", "Viet Nam"], "zh": ["越南"], "capitals": ["Hanoi"]},
    "kr": {"name": "South Korea", "terms": ["South Korean", "Republic of Korea", "Korea"],
           "zh": ["韩国", "大韩民国"], "capitals": ["Seoul"]},
    "kp": {"name": "North Korea", "terms": ["North Korean", "DPRK"], "zh": ["朝鲜"],
           "capitals": ["Pyongyang"]},
    "tw": {"name": "Taiwan", "terms": ["Taiwanese"], "zh": ["台湾"], "capitals": ["Taipei"]},
    "de": {"name": "Germany", "terms": ["German"], "zh": ["德国"], "capitals": ["Berlin"]},
    "fr": {"name": "France", "terms": ["French"], "zh": ["法国"], "capitals": ["Paris"]},
    "it": {"name": "Italy", "terms": ["Italian"], "zh": ["意大利"], "capitals": ["Rome"]},
    "nl": {"name": "Netherlands", "terms": ["Dutch", "Holland"], "zh": ["荷兰"],
           "capitals": ["Amsterdam"]},
    "pe": {"name": "Peru", "terms": ["Peruvian"], "zh": ["秘鲁"], "capitals": ["Lima"]},
    "gn": {"name": "Guinea", "terms": ["Guinean", "Simandou"], "zh": ["几内亚"], "capitals": ["Conakry"]},
    "ml": {"name": "Mali", "terms": ["Malian"], "zh": ["马里"], "capitals": ["Bamako"]},
    "ma": {"name": "Morocco", "terms": ["Moroccan"], "zh": ["摩洛哥"], "capitals": ["Rabat"]},
    "mn": {"name": "Mongolia", "terms": ["Mongolian", "Oyu Tolgoi"], "zh": ["蒙古国"],
           "capitals": ["Ulaanbaatar"], "vetoes": ["Inner Mongolia", "Inner Mongolian"]},
    "mz": {"name": "Mozambique", "terms": ["Mozambican"], "zh": ["莫桑比克"], "capitals": ["Maputo"]},
    "tz": {"name": "Tanzania", "terms": ["Tanzanian"], "zh": ["坦桑尼亚"], "capitals": ["Dodoma"]},
    "zm": {"name": "Zambia", "terms": ["Zambian", "Copperbelt"], "zh": ["赞比亚"], "capitals": ["Lusaka"]},
    "mg": {"name": "Madagascar", "terms": ["Malagasy"], "zh": ["马达加斯加"], "capitals": ["Antananarivo"]},
    "ga": {"name": "Gabon", "terms": ["Gabonese"], "zh": ["加蓬"], "capitals": ["Libreville"]},
    "gh": {"name": "Ghana", "terms": ["Ghanaian"], "zh": ["加纳"], "capitals": ["Accra"]},
    "ng": {"name": "Nigeria", "terms": ["Nigerian"], "zh": ["尼日利亚"], "capitals": ["Abuja"]},
    "rw": {"name": "Rwanda", "terms": ["Rwandan"], "zh": ["卢旺达"], "capitals": ["Kigali"]},
    "sa": {"name": "Saudi Arabia", "terms": ["Saudi", "Ma'aden"], "zh": ["沙特", "沙特阿拉伯"],
           "capitals": ["Riyadh"]},
    "ae": {"name": "United Arab Emirates", "terms": ["UAE", "Emirati"], "zh": ["阿联酋"],
           "capitals": ["Abu Dhabi"]},
    "tr": {"name": "Turkey", "terms": ["Türkiye", "Turkish"], "zh": ["土耳其"], "capitals": ["Ankara"]},
    "pk": {"name": "Pakistan", "terms": ["Pakistani"], "zh": ["巴基斯坦"], "capitals": ["Islamabad"]},
    "th": {"name": "Thailand", "terms": ["Thai"], "zh": ["泰国"], "capitals": ["Bangkok"]},
    "la": {"name": "Laos", "terms": ["Laotian"], "zh": ["老挝"], "capitals": ["Vientiane"]},
    "nz": {"name": "New Zealand", "terms": ["New Zealander"], "zh": ["新西兰"], "capitals": ["Wellington"]},
    "gl": {"name": "Greenland", "terms": ["Greenlandic", "Kvanefjeld", "Tanbreez"], "zh": ["格陵兰"],
           "capitals": ["Nuuk"]},
    "fi": {"name": "Finland", "terms": ["Finnish"], "zh": ["芬兰"], "capitals": ["Helsinki"]},
    "es": {"name": "Spain", "terms": ["Spanish"], "zh": ["西班牙"], "capitals": ["Madrid"]},
    "pt": {"name": "Portugal", "terms": ["Portuguese"], "zh": ["葡萄牙"], "capitals": ["Lisbon"]},
    "pl": {"name": "Poland", "cs": ["Polish"], "terms": [], "zh": ["波兰"], "capitals": ["Warsaw"]},
    "rs": {"name": "Serbia", "terms": ["Serbian", "Jadar"], "zh": ["塞尔维亚"], "capitals": ["Belgrade"]},
    "ir": {"name": "Iran", "terms": ["Iranian"], "zh": ["伊朗"], "capitals": ["Tehran"]},
    "il": {"name": "Israel", "terms": ["Israeli"], "zh": ["以色列"], "capitals": ["Jerusalem"]},
    "eg": {"name": "Egypt", "terms": ["Egyptian"], "zh": ["埃及"], "capitals": ["Cairo"]},
    "ve": {"name": "Venezuela", "terms": ["Venezuelan"], "zh": ["委内瑞拉"], "capitals": ["Caracas"]},
    "co": {"name": "Colombia", "terms": ["Colombian"], "zh": ["哥伦比亚"], "capitals": ["Bogota", "Bogotá"],
           "vetoes": ["British Columbia"]},
    "ec": {"name": "Ecuador", "terms": ["Ecuadorian"], "zh": ["厄瓜多尔"], "capitals": ["Quito"]},
    "ch": {"name": "Switzerland", "terms": ["Swiss"], "zh": ["瑞士"], "capitals": ["Bern"]},
    "be": {"name": "Belgium", "terms": ["Belgian"], "zh": ["比利时"], "capitals": ["Brussels"]},
    "at": {"name": "Austria", "terms": ["Austrian"], "zh": ["奥地利"], "capitals": ["Vienna"]},
    "cz": {"name": "Czechia", "terms": ["Czech Republic", "Czech"], "zh": ["捷克"], "capitals": ["Prague"]},
    "va": {"name": "Holy See", "terms": ["Vatican", "Vatican City"], "zh": ["梵蒂冈", "教廷"]},
    "sg": {"name": "Singapore", "terms": ["Singaporean"], "zh": ["新加坡"], "capitals": []},
    "hk": {"name": "Hong Kong", "terms": [], "zh": ["香港"], "capitals": []},
    "uz": {"name": "Uzbekistan", "terms": ["Uzbek"], "zh": ["乌兹别克斯坦"], "capitals": ["Tashkent"]},
    "kg": {"name": "Kyrgyzstan", "terms": ["Kyrgyz"], "zh": ["吉尔吉斯斯坦"], "capitals": ["Bishkek"]},
    "tj": {"name": "Tajikistan", "terms": ["Tajik"], "zh": ["塔吉克斯坦"], "capitals": ["Dushanbe"]},
    "af": {"name": "Afghanistan", "terms": ["Afghan"], "zh": ["阿富汗"], "capitals": ["Kabul"]},
    "by": {"name": "Belarus", "terms": ["Belarusian"], "zh": ["白俄罗斯"], "capitals": ["Minsk"]},
    "ne": {"name": "Niger", "terms": ["Nigerien"], "zh": ["尼日尔"], "capitals": ["Niamey"]},
    "bw": {"name": "Botswana", "terms": ["Botswanan"], "zh": ["博茨瓦纳"], "capitals": ["Gaborone"]},
    "gq": {"name": "Equatorial Guinea", "terms": [], "zh": ["赤道几内亚"], "capitals": []},
    "pg": {"name": "Papua New Guinea", "terms": ["PNG"], "zh": ["巴布亚新几内亚"], "capitals": ["Port Moresby"]},
    "nc": {"name": "New Caledonia", "terms": ["New Caledonian"], "zh": ["新喀里多尼亚"], "capitals": ["Noumea", "Nouméa"]},
}


def toml_str(s):
    return json.dumps(s, ensure_ascii=False)


def toml_list(items):
    return "[" + ", ".join(toml_str(x) for x in items) + "]"


def simple_name(name):
    # "Bolivia, Plurinational State of" is not how text names a country.
    return "," not in name and "(" not in name


def countries_toml():
    with open(ISO_JSON, encoding="utf-8") as f:
        countries = json.load(f)["3166-1"]
    with open(ZH_MO, "rb") as f:
        zh = gettext.GNUTranslations(f)
    out = ["# Countries: every ISO 3166-1 country (Debian iso-codes, names and zh_CN names)",
           "# plus `eu`.  GENERATED by scripts/gen_countries.py: edit the table there.",
           "# Schema: docs/vocabulary.md.", ""]
    for c in sorted(countries, key=lambda c: c["alpha_2"]):
        code = c["alpha_2"].lower()
        extra = EXTRA.get(code, {})
        names = [c["name"]]
        for key in ("official_name", "common_name"):
            if c.get(key):
                names.append(c[key])
        english = []
        for n in names + extra.get("terms", []):
            n = n[4:] if n.startswith("the ") else n
            if simple_name(n) and n not in english and n not in SKIP_NAMES.get(code, ()):
                english.append(n)
        if not english:  # "Holy See (Vatican City State)": the part before the bracket
            english.append(c["name"].split("(")[0].split(",")[0].strip())
        if extra.get("name") and extra["name"] not in english:
            english.insert(0, extra["name"])
        display = extra.get("name") or c.get("common_name") or c["name"]
        cs = list(extra.get("cs", []))
        plain = []
        for n in english:
            (cs if n in CASE_SENSITIVE_NAMES else plain).append(n)
        chinese = []
        for n in names:
            t = zh.gettext(n)
            if (t != n and t not in ZH_SKIP and t not in chinese
                    and t not in SKIP_ZH.get(code, ())):
                chinese.append(t)
        for t in extra.get("zh", []):
            if t not in chinese:
                chinese.append(t)
        out.append("[[country]]")
        out.append(f"id = {toml_str(code)}")
        out.append(f"name = {toml_str(display)}")
        if plain:
            out.append(f"terms = {toml_list(plain)}")
        if cs:
            out.append(f"case_sensitive = {toml_list(cs)}")
        if chinese:
            out.append(f"zh = {toml_list(chinese)}")
        if extra.get("capitals"):
            out.append(f"opt_in = {toml_list(extra['capitals'])}")
        if extra.get("vetoes"):
            out.append(f"vetoes = {toml_list(extra['vetoes'])}")
        out.append("")
    out += ["[[country]]",
            'id = "eu"',
            'name = "European Union"',
            'terms = ["European Union", "European Commission", "Council of the EU", '
            '"European Council", "European Parliament", "Critical Raw Materials Act", "CRMA", '
            '"EU member states", "Brussels-based Commission", "Official Journal of the European Union"]',
            'case_sensitive = ["EU", "E.U."]',
            'zh = ["欧盟", "欧洲联盟", "欧委会", "欧盟委员会"]',
            'opt_in = ["Brussels"]',
            ""]
    return "\n".join(out)


FILES = ["minerals.toml", "countries.toml", "clauses.toml"]


def embed():
    parts = ["// GENERATED by scripts/gen_countries.py from rules/vocabulary/*.toml: do not edit.",
             "// Re-run the script after editing a TOML file (rules_test checks the copy).",
             '#include "rules/vocabulary.h"', "", "namespace mineral::rules {", "", "namespace {", ""]
    for i, name in enumerate(FILES):
        with open(os.path.join(VOCAB_DIR, name), encoding="utf-8") as f:
            text = f.read()
        if ')vocab"' in text:
            sys.exit(f"{name}: contains the raw-string delimiter )vocab\"")
        parts.append(f'constexpr char kFile{i}[] = R"vocab({text})vocab";')
        parts.append("")
    parts += ["}  // namespace", "",
              "const std::vector<EmbeddedVocabularyFile>& EmbeddedVocabularyFiles() {",
              "  static const auto* files = new std::vector<EmbeddedVocabularyFile>{"]
    for i, name in enumerate(FILES):
        parts.append(f'      {{"{name}", {{kFile{i}, sizeof(kFile{i}) - 1}}}},')
    parts += ["  };", "  return *files;", "}", "", "}  // namespace mineral::rules", ""]
    with open(os.path.join(ROOT, "rules", "embedded_vocabulary.cc"), "w", encoding="utf-8") as f:
        f.write("\n".join(parts))


def main():
    if "--embed" not in sys.argv[1:]:
        with open(os.path.join(VOCAB_DIR, "countries.toml"), "w", encoding="utf-8") as f:
            f.write(countries_toml())
    embed()


if __name__ == "__main__":
    main()

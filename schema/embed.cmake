# Writes OUT, a C++ file defining the migrations from FILES (schema/NNN_name.sql, sorted,
# separated by "|").
# A raw string literal per file; the delimiter keeps any SQL text intact.
set(body "// Generated from schema/*.sql by schema/embed.cmake. Do not edit.\n#include \"archive/migrations.h\"\nnamespace chainmail {\nconst std::vector<Migration>& Migrations() {\n  static const std::vector<Migration> kAll = {\n")
string(REPLACE "|" ";" FILES "${FILES}")
foreach(f ${FILES})
  get_filename_component(name ${f} NAME_WE)
  string(SUBSTRING ${name} 0 3 num)
  math(EXPR version "${num}")
  file(READ ${f} sql)
  string(APPEND body "    {${version}, \"${name}\", R\"chainmail_sql(${sql})chainmail_sql\"},\n")
endforeach()
string(APPEND body "  };\n  return kAll;\n}\n}  // namespace chainmail\n")
file(WRITE ${OUT}.tmp "${body}")
file(COPY_FILE ${OUT}.tmp ${OUT} ONLY_IF_DIFFERENT)

# Writes OUT, a C++ file defining `std::string_view chainmail::FUNCTION()` with the bytes
# of IN (raw string literal pieces, so any text works).
file(READ ${IN} TEXT)
string(LENGTH "${TEXT}" LEN)
set(BODY "")
set(POS 0)
while(POS LESS LEN)
  string(SUBSTRING "${TEXT}" ${POS} 8000 PIECE)
  string(APPEND BODY "R\"cmembed(${PIECE})cmembed\"\n")
  math(EXPR POS "${POS} + 8000")
endwhile()
file(WRITE ${OUT} "#include <string_view>\nnamespace chainmail {\nstd::string_view ${FUNCTION}() {\n  static const char kText[] =\n${BODY};\n  return {kText, sizeof(kText) - 1};\n}\n}  // namespace chainmail\n")

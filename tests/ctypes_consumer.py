"""List a package's catalog and read one lesson through liblp, with ctypes
only (no struct layouts): python3 ctypes_consumer.py LIBLP PACKAGE [LANGS]"""
import ctypes as C, sys
lp = C.CDLL(sys.argv[1]); P, S, Z = C.c_void_p, C.c_char_p, C.c_size_t
for name, res, args in [("lp_ctx_new", int, [C.POINTER(P), P]), ("lp_package_open", int, [C.POINTER(P), P, S]),
        ("lp_catalog_open", int, [C.POINTER(P), P, P]), ("lp_catalog_match_accept", int, [P, S, C.POINTER(S)]),
        ("lp_catalog_lesson_count", Z, [P]), ("lp_catalog_lesson", P, [P, Z]), ("lp_catnode_id", S, [P]),
        ("lp_catnode_title", S, [P, S, C.POINTER(S)]), ("lp_lesson_open", int, [C.POINTER(P), P, P, S, S]),
        ("lp_lesson_block_count", Z, [P]), ("lp_lesson_block", P, [P, Z]), ("lp_node_type_name", S, [P]),
        ("lp_node_child_count", Z, [P]), ("lp_node_child", P, [P, Z]), ("lp_node_text", S, [P]),
        ("lp_lesson_need_total", C.c_uint64, [P]), ("lp_ctx_errmsg", S, [P])]:
    getattr(lp, name).restype, getattr(lp, name).argtypes = res, args
ctx, pkg, cat, les, lang, real = P(), P(), P(), P(), S(), S()
assert lp.lp_ctx_new(C.byref(ctx), None) == 0
for rc in (lp.lp_package_open(C.byref(pkg), ctx, sys.argv[2].encode()), lp.lp_catalog_open(C.byref(cat), ctx, pkg)):
    assert rc == 0, lp.lp_ctx_errmsg(ctx)
lp.lp_catalog_match_accept(cat, (sys.argv[3] if len(sys.argv) > 3 else "en").encode(), C.byref(lang))
for i in range(lp.lp_catalog_lesson_count(cat)):
    node = lp.lp_catalog_lesson(cat, i)
    print(lp.lp_catnode_id(node).decode(), lp.lp_catnode_title(node, lang, C.byref(real)).decode(), real.value.decode())
def text(n):
    return (lp.lp_node_text(n) or b"").decode() + "".join(text(lp.lp_node_child(n, k)) for k in range(lp.lp_node_child_count(n)))
assert lp.lp_lesson_open(C.byref(les), ctx, cat, lp.lp_catnode_id(lp.lp_catalog_lesson(cat, 0)), lang) == 0, lp.lp_ctx_errmsg(ctx)
for i in range(lp.lp_lesson_block_count(les)):
    print(lp.lp_node_type_name(lp.lp_lesson_block(les, i)).decode(), text(lp.lp_lesson_block(les, i)))
print("needs", lp.lp_lesson_need_total(les), "bytes")

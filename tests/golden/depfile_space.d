out\ dir/libcalc.so: \
 $TMP/direct\ $$dir/libdirect.a \
 $TMP/my\ libs/libcalcbase.a

$TMP/direct\ $$dir/libdirect.a:

$TMP/my\ libs/libcalcbase.a:

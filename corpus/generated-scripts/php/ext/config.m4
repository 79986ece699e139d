PHP_ARG_ENABLE([extension])

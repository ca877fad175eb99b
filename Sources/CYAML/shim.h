#ifndef SELLIFY_CYAML_SHIM_H
#define SELLIFY_CYAML_SHIM_H
#include <yaml.h>
#endif

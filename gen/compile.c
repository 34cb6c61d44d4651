#include "gen/compile.h"

#include <string.h>

static const ait_compiler *const compilers[] = {&ait_compiler_tcc, &ait_compiler_gcc};

const ait_compiler *ait_compiler_find(const char *name)
{
    for (size_t i = 0; i < sizeof compilers / sizeof compilers[0]; i++)
        if (strcmp(compilers[i]->name, name) == 0)
            return compilers[i];
    return NULL;
}

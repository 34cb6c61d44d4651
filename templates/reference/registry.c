/* The reference backend's op table, generated from the op list. */
#include "templates/template.h"

#define AIT_X_EXTERN(e, name, fam, fn) extern const ait_template ait_ref_##fam;
AIT_OP_LIST(AIT_X_EXTERN)
#undef AIT_X_EXTERN

static const ait_template *const reference_ops[AIT_OP_COUNT] = {
#define AIT_X_ROW(e, name, fam, fn) [AIT_OP_##e] = &ait_ref_##fam,
    AIT_OP_LIST(AIT_X_ROW)
#undef AIT_X_ROW
};

const ait_template *ait_reference_template(int op)
{
    return op >= 0 && op < AIT_OP_COUNT ? reference_ops[op] : NULL;
}

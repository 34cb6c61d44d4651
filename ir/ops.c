#include "ir/ops.h"

#include <string.h>

const ait_op_info ait_ops[AIT_OP_COUNT] = {
#define AIT_X_ROW(e, name, fam, fn) [AIT_OP_##e] = {name, #fam, fn},
    AIT_OP_LIST(AIT_X_ROW)
#undef AIT_X_ROW
};

int ait_op_lookup(const char *domain, const char *op_type)
{
    if (domain && *domain && strcmp(domain, "ai.onnx") != 0)
        return -1;
    for (int i = 0; i < AIT_OP_COUNT; i++)
        if (strcmp(ait_ops[i].name, op_type) == 0)
            return i;
    return -1;
}

int ait_op_is_activation(int op)
{
    return op == AIT_OP_RELU || op == AIT_OP_CLIP || op == AIT_OP_LEAKY_RELU || op == AIT_OP_HARD_SWISH ||
           op == AIT_OP_SIGMOID || op == AIT_OP_HARD_SIGMOID;
}

/* aitune-gen: placeholder until the CLI lands. */
#include <stdio.h>
int main(void) { puts("aitune-gen"); return 0; }

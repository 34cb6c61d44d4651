/* The least a Cortex-M4F needs to run a C program under qemu: the vector table (initial stack,
 * reset), the FPU switched on, .bss zeroed, main, and its status handed to qemu through
 * semihosting (SYS_EXIT_EXTENDED), which also carries the program's output (SYS_WRITE0). */
#include <stdint.h>

extern uint32_t __bss_start__[], __bss_end__[], __stack_top__[];
int main(void);
void reset_handler(void);

static void fault_handler(void)
{
    for (;;)
        ;
}

__attribute__((section(".vectors"), used)) static void (*const vectors[16])(void) = {
    (void (*)(void))__stack_top__, reset_handler, fault_handler, fault_handler, fault_handler, fault_handler,
    fault_handler};

static uint32_t semihost(uint32_t op, const void *arg)
{
    register uint32_t r0 __asm__("r0") = op;
    register const void *r1 __asm__("r1") = arg;
    __asm__ volatile("bkpt 0xab" : "+r"(r0) : "r"(r1) : "memory");
    return r0;
}

void fw_puts(const char *s)
{
    semihost(0x04, s); /* SYS_WRITE0 */
}

void fw_exit(int status)
{
    uint32_t block[2] = {0x20026u, (uint32_t)status}; /* ADP_Stopped_ApplicationExit, code */
    semihost(0x20, block);                            /* SYS_EXIT_EXTENDED */
    for (;;)
        ;
}

void reset_handler(void)
{
    *(volatile uint32_t *)0xE000ED88u |= 0xFu << 20; /* CPACR: CP10, CP11 full access (the FPU) */
    __asm__ volatile("dsb\n\tisb");
    for (uint32_t *p = __bss_start__; p < __bss_end__; p++)
        *p = 0;
    fw_exit(main());
}

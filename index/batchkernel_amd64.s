#include "textflag.h"

// Two loops of one kernel, one step each of two rows by four queries: they differ only in how a chunk of 32
// components is multiplied by a query (UQ for AVX2, UQV for AVX-512 VNNI); loading the rows, the
// reduction and the store are the same macros.

// ROWS loads components 32n..32n+31 of rows 0 and 1 as unsigned bytes c+128 (Y8, Y9).
#define ROWS(n) \
	VMOVDQU (n*32)(SI), Y8; \
	VPXOR Y15, Y8, Y8; \
	VMOVDQU (128+n*32)(SI), Y9; \
	VPXOR Y15, Y9, Y9

// CHUNK multiplies the two rows' chunk n by the four queries' signed half-resolution codes, each query by
// MUL (UQ or UQV), into the accumulators (Y0-Y3 row 0, Y4-Y7 row 1).
#define CHUNK(MUL, n) \
	ROWS(n); \
	MUL(n, 0, Y0, Y4); \
	MUL(n, 1, Y1, Y5); \
	MUL(n, 2, Y2, Y6); \
	MUL(n, 3, Y3, Y7)

// UQ, for AVX2: VPMADDUBSW pairs the products into words (|pair| ≤ 2·255·64, no saturation), VPMADDWD by
// ones into dwords, added to the accumulators.
#define UQ(n, q, a0, a1) \
	VMOVDQU (q*128+n*32)(AX), Y10; \
	VPMADDUBSW Y10, Y8, Y11; \
	VPMADDWD Y14, Y11, Y11; \
	VPADDD Y11, a0, a0; \
	VPMADDUBSW Y10, Y9, Y12; \
	VPMADDWD Y14, Y12, Y12; \
	VPADDD Y12, a1, a1

// UQV, for AVX-512 VNNI: VPDPBUSD multiplies the unsigned bytes by the signed ones and adds each four
// adjacent products to a dword of the accumulator, exactly (no intermediate saturation), so the dwords hold
// what UQ's do.
#define UQV(n, q, a0, a1) \
	VMOVDQU (q*128+n*32)(AX), Y10; \
	VPDPBUSD Y10, Y8, a0; \
	VPDPBUSD Y10, Y9, a1

DATA ·bias<>+0(SB)/8, $0x8080808080808080
DATA ·bias<>+8(SB)/8, $0x8080808080808080
DATA ·bias<>+16(SB)/8, $0x8080808080808080
DATA ·bias<>+24(SB)/8, $0x8080808080808080
GLOBL ·bias<>(SB), RODATA|NOPTR, $32
DATA ·ones<>+0(SB)/8, $0x0001000100010001
DATA ·ones<>+8(SB)/8, $0x0001000100010001
DATA ·ones<>+16(SB)/8, $0x0001000100010001
DATA ·ones<>+24(SB)/8, $0x0001000100010001
GLOBL ·ones<>(SB), RODATA|NOPTR, $32

// ARGS loads the arguments and the constants; it jumps to done when there is nothing to do.
#define ARGS \
	MOVQ grp+0(FP), AX; \
	MOVQ codes+8(FP), SI; \
	MOVQ norms+16(FP), DX; \
	MOVQ pairs+24(FP), CX; \
	MOVQ out+32(FP), DI; \
	MOVQ skip+40(FP), BX; \
	VMOVDQU ·bias<>(SB), Y15; \
	VMOVDQU ·ones<>(SB), Y14; \
	TESTQ CX, CX; \
	JZ    done

// ZERO clears the eight accumulators.
#define ZERO \
	VPXOR Y0, Y0, Y0; \
	VPXOR Y1, Y1, Y1; \
	VPXOR Y2, Y2, Y2; \
	VPXOR Y3, Y3, Y3; \
	VPXOR Y4, Y4, Y4; \
	VPXOR Y5, Y5, Y5; \
	VPXOR Y6, Y6, Y6; \
	VPXOR Y7, Y7, Y7

// STORE reduces the eight dot products to one register [row 0 q0..q3 | row 1 q0..q3], turns them into
// D = (4Σh² + 512Σh) - 4·dot + Σc², stores them, compares them with the queries' limits into one skip byte
// (bit 4r+q set: D above query q's limit) and moves to the next two rows.
#define STORE \
	VPHADDD    Y1, Y0, Y12; \
	VPHADDD    Y3, Y2, Y13; \
	VPHADDD    Y13, Y12, Y12; \
	VPHADDD    Y5, Y4, Y10; \
	VPHADDD    Y7, Y6, Y11; \
	VPHADDD    Y11, Y10, Y10; \
	VPERM2I128 $0x20, Y10, Y12, Y13; \
	VPERM2I128 $0x31, Y10, Y12, Y11; \
	VPADDD     Y11, Y13, Y13; \
	VPSLLD       $2, Y13, Y13; \
	VMOVDQU      512(AX), Y8; \
	VPSUBD       Y13, Y8, Y8; \
	VPBROADCASTD (DX), X9; \
	VPBROADCASTD 4(DX), X10; \
	VINSERTI128  $1, X10, Y9, Y9; \
	VPADDD       Y9, Y8, Y8; \
	VMOVDQU      Y8, (DI); \
	VPCMPGTD     544(AX), Y8, Y11; \
	VMOVMSKPS    Y11, R8; \
	MOVB         R8, (BX); \
	ADDQ         $256, SI; \
	ADDQ         $8, DX; \
	ADDQ         $32, DI; \
	INCQ         BX

// STEP is one step of two rows, the products by MUL.
#define STEP(MUL) \
	ZERO; \
	CHUNK(MUL, 0); \
	CHUNK(MUL, 1); \
	CHUNK(MUL, 2); \
	CHUNK(MUL, 3); \
	STORE

// func dotsAsm(grp *qgroup, codes *int8, norms *int32, pairs int, out *int32, skip *uint8, vnni bool)
TEXT ·dotsAsm(SB), NOSPLIT, $0-49
	ARGS
	CMPB vnni+48(FP), $0
	JNE  vnniloop

avx2loop:
	STEP(UQ)
	DECQ CX
	JNZ  avx2loop
	JMP  done

vnniloop:
	STEP(UQV)
	DECQ CX
	JNZ  vnniloop

done:
	VZEROUPPER
	RET

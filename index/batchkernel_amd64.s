#include "textflag.h"

// CHUNK multiplies components 32n..32n+31 of rows 0 and 1, as unsigned bytes c+128, by the four queries'
// signed half-resolution codes: VPMADDUBSW pairs them into words (|pair| ≤ 2·255·64, no saturation),
// VPMADDWD by ones into dwords, added to the accumulators (Y0-Y3 row 0, Y4-Y7 row 1).
#define CHUNK(n) \
	VMOVDQU (n*32)(SI), Y8; \
	VPXOR Y15, Y8, Y8; \
	VMOVDQU (128+n*32)(SI), Y9; \
	VPXOR Y15, Y9, Y9; \
	UQ(n, 0, Y0, Y4); \
	UQ(n, 1, Y1, Y5); \
	UQ(n, 2, Y2, Y6); \
	UQ(n, 3, Y3, Y7)

#define UQ(n, q, a0, a1) \
	VMOVDQU (q*128+n*32)(AX), Y10; \
	VPMADDUBSW Y10, Y8, Y11; \
	VPMADDWD Y14, Y11, Y11; \
	VPADDD Y11, a0, a0; \
	VPMADDUBSW Y10, Y9, Y12; \
	VPMADDWD Y14, Y12, Y12; \
	VPADDD Y12, a1, a1

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

// func dotsAVX2(grp *qgroup, codes *int8, norms *int32, pairs int, out *int32, skip *uint8)
// Per step of two rows: the eight dot products are reduced to one register [row 0 q0..q3 | row 1 q0..q3],
// turned into D = (4Σh² + 512Σh) - 4·dot + Σc², stored, and compared with the queries' limits into one
// skip byte (bit 4r+q set: D above query q's limit).
TEXT ·dotsAVX2(SB), NOSPLIT, $0-48
	MOVQ grp+0(FP), AX
	MOVQ codes+8(FP), SI
	MOVQ norms+16(FP), DX
	MOVQ pairs+24(FP), CX
	MOVQ out+32(FP), DI
	MOVQ skip+40(FP), BX
	VMOVDQU ·bias<>(SB), Y15
	VMOVDQU ·ones<>(SB), Y14
	TESTQ CX, CX
	JZ    done

loop:
	VPXOR Y0, Y0, Y0
	VPXOR Y1, Y1, Y1
	VPXOR Y2, Y2, Y2
	VPXOR Y3, Y3, Y3
	VPXOR Y4, Y4, Y4
	VPXOR Y5, Y5, Y5
	VPXOR Y6, Y6, Y6
	VPXOR Y7, Y7, Y7
	CHUNK(0)
	CHUNK(1)
	CHUNK(2)
	CHUNK(3)
	VPHADDD    Y1, Y0, Y12
	VPHADDD    Y3, Y2, Y13
	VPHADDD    Y13, Y12, Y12
	VPHADDD    Y5, Y4, Y10
	VPHADDD    Y7, Y6, Y11
	VPHADDD    Y11, Y10, Y10
	VPERM2I128 $0x20, Y10, Y12, Y13
	VPERM2I128 $0x31, Y10, Y12, Y11
	VPADDD     Y11, Y13, Y13
	VPSLLD       $2, Y13, Y13
	VMOVDQU      512(AX), Y8
	VPSUBD       Y13, Y8, Y8
	VPBROADCASTD (DX), X9
	VPBROADCASTD 4(DX), X10
	VINSERTI128  $1, X10, Y9, Y9
	VPADDD       Y9, Y8, Y8
	VMOVDQU      Y8, (DI)
	VPCMPGTD     544(AX), Y8, Y11
	VMOVMSKPS    Y11, R8
	MOVB         R8, (BX)
	ADDQ         $256, SI
	ADDQ         $8, DX
	ADDQ         $32, DI
	INCQ         BX
	DECQ         CX
	JNZ          loop

done:
	VZEROUPPER
	RET

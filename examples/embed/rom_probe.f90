! rom_probe.f90: runs a galerkin ROM from Fortran through libgalerkin_rom and the bindings
! module capi/fortran/galerkin_rom.f90 (the Fortran twin of examples/embed/rom_probe.c).
!
! Build (from the repository root, after `cargo build --release -p galerkin-capi`):
!   gfortran -O2 capi/fortran/galerkin_rom.f90 examples/embed/rom_probe.f90 \
!       -Ltarget/release -lgalerkin_rom -Wl,-rpath,$PWD/target/release -o rom_probe_f
! Run:
!   ./rom_probe_f ROM.safetensors initial.txt viscosity 0.015 0.001 500 100 0 32 64
!   (model, initial field, parameter name and value, dt, steps, print every, indices...)
! Prints "t value_1 value_2 ... energy" every EVERY steps.
program rom_probe
    use, intrinsic :: iso_c_binding
    use galerkin_rom
    implicit none
    type(c_ptr) :: model, run
    integer(c_size_t) :: n, r
    integer(c_size_t), allocatable :: indices(:)
    real(c_double), allocatable :: u0(:), values(:)
    real(c_double) :: value, dt, t, energy
    integer :: steps, every, step, p, probes, unit, ios
    character(len=4096) :: rom_path, initial_path, parameter, text

    if (command_argument_count() < 8) then
        write (0, '(a)') 'usage: rom_probe_f ROM INITIAL PARAM VALUE DT STEPS EVERY INDEX...'
        stop 2
    end if
    call get_command_argument(1, rom_path)
    call get_command_argument(2, initial_path)
    call get_command_argument(3, parameter)
    call get_command_argument(4, text); read (text, *) value
    call get_command_argument(5, text); read (text, *) dt
    call get_command_argument(6, text); read (text, *) steps
    call get_command_argument(7, text); read (text, *) every
    probes = command_argument_count() - 7
    allocate(indices(probes), values(probes))
    do p = 1, probes
        call get_command_argument(7 + p, text); read (text, *) indices(p)
    end do

    call check(galerkin_model_load(trim(rom_path) // c_null_char, model), 'galerkin_model_load')
    call check(galerkin_model_full_dim(model, n), 'galerkin_model_full_dim')
    call check(galerkin_model_rank(model, r), 'galerkin_model_rank')
    call check(galerkin_instance_new(model, dt, run), 'galerkin_instance_new')
    call check(galerkin_instance_set_parameter(run, trim(parameter) // c_null_char, value), &
               'galerkin_instance_set_parameter')

    allocate(u0(n))
    open (newunit=unit, file=trim(initial_path), status='old', action='read', iostat=ios)
    if (ios /= 0) then
        write (0, '(2a)') 'rom_probe_f: cannot open ', trim(initial_path)
        stop 1
    end if
    read (unit, *) u0
    close (unit)
    call check(galerkin_instance_set_state_full(run, u0, n), 'galerkin_instance_set_state_full')

    do step = 0, steps
        if (step > 0) call check(galerkin_instance_step(run), 'galerkin_instance_step')
        if (mod(step, every) == 0) then
            call check(galerkin_instance_time(run, t), 'galerkin_instance_time')
            do p = 1, probes
                call check(galerkin_instance_probe(run, indices(p), values(p)), &
                           'galerkin_instance_probe')
            end do
            call check(galerkin_instance_energy(run, energy), 'galerkin_instance_energy')
            write (*, '(*(es25.17e3, :, " "))') t, values, energy
        end if
    end do
    call galerkin_instance_free(run)
    call galerkin_model_free(model)

contains

    !> Stops with the call's name and the library's message unless status is OK.
    subroutine check(status, call_name)
        integer(c_int), intent(in) :: status
        character(len=*), intent(in) :: call_name
        if (status /= GALERKIN_STATUS_OK) then
            write (0, '(4a)') 'rom_probe_f: ', call_name, ' failed: ', galerkin_error_message()
            stop 1
        end if
    end subroutine

end program rom_probe

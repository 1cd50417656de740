! galerkin_rom.f90: Fortran 2003 bindings (iso_c_binding) of libgalerkin_rom, the C ABI of
! the galerkin ROM runtime; the C declarations are in capi/include/galerkin_rom.h.
! Strings passed in must end with c_null_char; every function returns a status
! (GALERKIN_STATUS_OK = 0) and galerkin_error_message() gives the last failure's text.
module galerkin_rom
    use, intrinsic :: iso_c_binding
    implicit none
    private
    public :: galerkin_model_load, galerkin_model_free, galerkin_model_full_dim, &
              galerkin_model_rank, galerkin_instance_new, galerkin_instance_free, &
              galerkin_instance_set_parameter, galerkin_instance_set_state_full, &
              galerkin_instance_set_state_reduced, galerkin_instance_step, &
              galerkin_instance_advance_to, galerkin_instance_time, &
              galerkin_instance_probe, galerkin_instance_reconstruct, &
              galerkin_instance_energy, galerkin_probe_new, galerkin_probe_free, &
              galerkin_instance_value_at, galerkin_instance_reduced_state, &
              galerkin_error_message, GALERKIN_STATUS_OK

    !> The success status; any other value is a failure class of the C header.
    integer(c_int), parameter :: GALERKIN_STATUS_OK = 0

    interface
        integer(c_int) function galerkin_model_load(path, model) bind(c)
            import :: c_int, c_char, c_ptr
            character(kind=c_char), dimension(*), intent(in) :: path
            type(c_ptr), intent(out) :: model
        end function
        subroutine galerkin_model_free(model) bind(c)
            import :: c_ptr
            type(c_ptr), value :: model
        end subroutine
        integer(c_int) function galerkin_model_full_dim(model, n) bind(c)
            import :: c_int, c_ptr, c_size_t
            type(c_ptr), value :: model
            integer(c_size_t), intent(out) :: n
        end function
        integer(c_int) function galerkin_model_rank(model, r) bind(c)
            import :: c_int, c_ptr, c_size_t
            type(c_ptr), value :: model
            integer(c_size_t), intent(out) :: r
        end function
        integer(c_int) function galerkin_instance_new(model, dt, instance) bind(c)
            import :: c_int, c_ptr, c_double
            type(c_ptr), value :: model
            real(c_double), value :: dt
            type(c_ptr), intent(out) :: instance
        end function
        subroutine galerkin_instance_free(instance) bind(c)
            import :: c_ptr
            type(c_ptr), value :: instance
        end subroutine
        integer(c_int) function galerkin_instance_set_parameter(instance, name, value) bind(c)
            import :: c_int, c_ptr, c_char, c_double
            type(c_ptr), value :: instance
            character(kind=c_char), dimension(*), intent(in) :: name
            real(c_double), value :: value
        end function
        integer(c_int) function galerkin_instance_set_state_full(instance, u, n) bind(c)
            import :: c_int, c_ptr, c_double, c_size_t
            type(c_ptr), value :: instance
            real(c_double), dimension(*), intent(in) :: u
            integer(c_size_t), value :: n
        end function
        integer(c_int) function galerkin_instance_set_state_reduced(instance, a, r) bind(c)
            import :: c_int, c_ptr, c_double, c_size_t
            type(c_ptr), value :: instance
            real(c_double), dimension(*), intent(in) :: a
            integer(c_size_t), value :: r
        end function
        integer(c_int) function galerkin_instance_step(instance) bind(c)
            import :: c_int, c_ptr
            type(c_ptr), value :: instance
        end function
        integer(c_int) function galerkin_instance_advance_to(instance, t) bind(c)
            import :: c_int, c_ptr, c_double
            type(c_ptr), value :: instance
            real(c_double), value :: t
        end function
        integer(c_int) function galerkin_instance_time(instance, t) bind(c)
            import :: c_int, c_ptr, c_double
            type(c_ptr), value :: instance
            real(c_double), intent(out) :: t
        end function
        integer(c_int) function galerkin_instance_probe(instance, index, value) bind(c)
            import :: c_int, c_ptr, c_double, c_size_t
            type(c_ptr), value :: instance
            integer(c_size_t), value :: index
            real(c_double), intent(out) :: value
        end function
        integer(c_int) function galerkin_instance_reconstruct(instance, u, n) bind(c)
            import :: c_int, c_ptr, c_double, c_size_t
            type(c_ptr), value :: instance
            real(c_double), dimension(*), intent(out) :: u
            integer(c_size_t), value :: n
        end function
        integer(c_int) function galerkin_instance_reduced_state(instance, a, r) bind(c)
            import :: c_int, c_ptr, c_double, c_size_t
            type(c_ptr), value :: instance
            real(c_double), dimension(*), intent(out) :: a
            integer(c_size_t), value :: r
        end function
        integer(c_int) function galerkin_instance_energy(instance, energy) bind(c)
            import :: c_int, c_ptr, c_double
            type(c_ptr), value :: instance
            real(c_double), intent(out) :: energy
        end function
        integer(c_int) function galerkin_probe_new(model, field, point, dims, probe) bind(c)
            import :: c_int, c_ptr, c_double, c_size_t
            type(c_ptr), value :: model
            integer(c_size_t), value :: field
            real(c_double), dimension(*), intent(in) :: point
            integer(c_size_t), value :: dims
            type(c_ptr), intent(out) :: probe
        end function
        subroutine galerkin_probe_free(probe) bind(c)
            import :: c_ptr
            type(c_ptr), value :: probe
        end subroutine
        integer(c_int) function galerkin_instance_value_at(instance, probe, value) bind(c)
            import :: c_int, c_ptr, c_double
            type(c_ptr), value :: instance
            type(c_ptr), value :: probe
            real(c_double), intent(out) :: value
        end function
        type(c_ptr) function galerkin_last_error() bind(c)
            import :: c_ptr
        end function
    end interface

contains

    !> The message of the last failed call on this thread, as a Fortran string.
    function galerkin_error_message() result(message)
        character(len=:), allocatable :: message
        character(kind=c_char), dimension(:), pointer :: chars
        type(c_ptr) :: text
        integer :: length
        text = galerkin_last_error()
        call c_f_pointer(text, chars, [4096])
        length = 0
        do while (length < 4096)
            if (chars(length + 1) == c_null_char) exit
            length = length + 1
        end do
        allocate(character(len=length) :: message)
        message = transfer(chars(1:length), message)
    end function

end module galerkin_rom
